/**
 * The README's CLI examples are a story a new user follows: each host an example names must have
 * been added (or adopted) by an earlier example and not removed since, and the README must say how
 * to run `flotilla` outside the checkout (where `npx flotilla` would fetch a stranger's package).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const README = readFileSync(join(import.meta.dirname, '../../../README.md'), 'utf8')

/** Every `flotilla …` line of the README's shell blocks, as words, comments dropped. */
function examples(): string[][] {
  const blocks = [...README.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!)
  return blocks
    .flatMap((b) => b.split('\n'))
    .map((line) => line.replace(/\s#.*$/, '').trim())
    .filter((line) => /^(npx )?flotilla /.test(line))
    .map((line) => line.replace(/^npx /, '').split(/\s+/).slice(1))
}

/** Positional host references of a command (before its first option or `--`). */
function hostRefs(words: string[]): string[] {
  const [group, command, ...rest] = words
  const positional = rest.slice(0, rest.findIndex((w) => w.startsWith('-')) >>> 0)
  if (group === 'probe') return [command!, ...positional]
  if (group === 'hosts' && ['edit', 'remove', 'rm', 'check'].includes(command!)) return positional
  if (group === 'ssh' && ['trust', 'run', 'install-key', 'reboot'].includes(command!)) return positional.slice(0, 1)
  if (group === 'ssh' && command === 'check') return positional
  return []
}

describe('README CLI examples', () => {
  it('name only hosts an earlier example added and did not remove', () => {
    // Each name (address or label) → the host it names; removing by one name forgets all of them.
    const known = new Map<string, number>()
    const problems: string[] = []
    for (const [n, words] of examples().entries()) {
      const [group, command, ref] = words
      if (group === 'hosts' && command === 'add') {
        known.set(ref!, n)
        if (words.includes('--label')) known.set(words[words.indexOf('--label') + 1]!, n)
        continue
      }
      if (group === 'hosts' && (command === 'adopt' || command === 'ignore')) {
        known.set(ref!, n)
        continue
      }
      for (const host of hostRefs(words)) {
        if (!known.has(host)) problems.push(`flotilla ${words.join(' ')}: no earlier example adds "${host}"`)
      }
      if (group === 'hosts' && (command === 'remove' || command === 'rm')) {
        const id = known.get(ref!)
        for (const [name, of] of known) if (of === id) known.delete(name)
      }
    }
    expect(examples().length).toBeGreaterThan(10)
    expect(problems).toEqual([])
  })

  it('says how to run the CLI outside the checkout', () => {
    const cli = README.slice(README.indexOf('## The CLI'))
    expect(cli).toMatch(/npm link/)
    expect(cli).toMatch(/npm install -g/)
    expect(cli).toMatch(/outside the\s+checkout/)
  })
})
