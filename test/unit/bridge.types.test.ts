/**
 * Compile-time guards of the bridge: `npm run typecheck` checks the expectTypeOf and
 * @ts-expect-error lines below; the last test runs the compiler on the real route table with one
 * channel added to the contract, as a new channel written without its route would be.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { FlotillaApi, OpOptions } from '../../src/shared/bridge'
import { CHANNEL_ROUTES, type Route, type RouteTable } from '../../src/shared/bridge-routes'
import type { Channel } from '../../src/shared/contract'
import type { Host, PkiInitOptions, ReachabilityResult, RunResult } from '../../src/shared/types'

const here = dirname(fileURLToPath(import.meta.url))

describe('FlotillaApi is derived from the contract', () => {
  it('types each method with its channel’s arguments and result', () => {
    expectTypeOf<FlotillaApi['hosts']['list']>().toEqualTypeOf<() => Promise<Host[]>>()
    expectTypeOf<FlotillaApi['hosts']['check']>().parameters.toEqualTypeOf<[ids: string[], options?: OpOptions]>()
    expectTypeOf<FlotillaApi['hosts']['check']>().returns.toEqualTypeOf<Promise<ReachabilityResult[]>>()
    expectTypeOf<FlotillaApi['ssh']['installKey']>().parameters.toEqualTypeOf<
      [hostId: string, publicKey?: string, options?: OpOptions]
    >()
    expectTypeOf<FlotillaApi['ssh']['run']>().returns.toEqualTypeOf<Promise<RunResult>>()
    expectTypeOf<FlotillaApi['pki']['init']>().parameters.toEqualTypeOf<
      [clusterId: string, options?: (PkiInitOptions & OpOptions) | undefined]
    >()
    expectTypeOf<FlotillaApi['ops']['newId']>().toEqualTypeOf<() => string>()
    expectTypeOf<FlotillaApi['hosts']['onChanged']>().parameter(0).toEqualTypeOf<(payload: { hosts: Host[] }) => void>()
  })

  it('refuses a route table that leaves a channel out, or routes one with the wrong arguments', () => {
    const { 'hosts:list': _left, ...withoutOne } = CHANNEL_ROUTES
    // @ts-expect-error 'hosts:list' has no route
    withoutOne satisfies RouteTable
    // @ts-expect-error hosts:check takes 1 argument after its opId, so its OpOptions are at index 1
    ;({ to: 'hosts.check', op: 2 }) satisfies Route<'hosts:check'>
    // @ts-expect-error adapt must return the channel's arguments ([id, options])
    ;({ to: 'clusters.remove', adapt: (id: string) => [id] }) satisfies Route<'clusters:remove'>
    // @ts-expect-error hosts:list has no opId, so it cannot be an operation
    ;({ to: 'hosts.list', op: 0 }) satisfies Route<'hosts:list'>
    // @ts-expect-error a route says where the method lives, as group.method
    ;({ to: 'hosts' }) satisfies Route<'hosts:list'>
    expect(Object.keys(withoutOne)).not.toContain('hosts:list' satisfies Channel)
  })

  it('fails typecheck when the contract gains a channel the route table does not have', () => {
    const shared = join(here, '../../src/shared')
    const routes = join(shared, 'bridge-routes.ts')
    const diagnostics = (extraChannel: boolean): string[] => {
      const fixture = join(shared, '__new-channel-fixture.ts')
      const source = extraChannel
        ? `import './bridge-routes'\ndeclare module './contract' {\n  interface InvokeContract {\n    'zz:brand-new': { args: [id: string]; result: void }\n  }\n}\n`
        : `import './bridge-routes'\n`
      const options: ts.CompilerOptions = {
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        target: ts.ScriptTarget.ES2023,
        module: ts.ModuleKind.Preserve,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        skipLibCheck: true,
        noEmit: true,
        types: [],
        lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
      }
      // The fixture exists only in memory: the compiler host serves it, nothing is written.
      const host = ts.createCompilerHost(options)
      const getSourceFile = host.getSourceFile.bind(host)
      const fileExists = host.fileExists.bind(host)
      host.fileExists = (name) => name === fixture || fileExists(name)
      host.getSourceFile = (name, version, ...rest) =>
        name === fixture ? ts.createSourceFile(name, source, version) : getSourceFile(name, version, ...rest)
      const program = ts.createProgram([fixture, routes], options, host)
      return ts
        .getPreEmitDiagnostics(program)
        .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`)
    }
    // The same program compiles cleanly without the extra channel: the error below is only its.
    expect(diagnostics(false)).toEqual([])
    const errors = diagnostics(true)
    // The table says what is missing; bridge.ts, which indexes the table by Channel, fails too.
    const inTable = errors.filter((e) => e.startsWith(`${routes}:`))
    expect(inTable, errors.join('\n')).toHaveLength(1)
    expect(inTable[0]).toMatch(/Property '"zz:brand-new"' is missing .* in type 'RouteTable'/)
    expect(errors.every((e) => e.startsWith(join(shared, 'bridge')))).toBe(true)
  }, 60_000)
})
