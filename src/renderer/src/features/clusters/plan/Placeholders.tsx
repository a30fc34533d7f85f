/**
 * Plan text with its secret placeholders drawn as chips: `<secret: NAME>` (a value kept in
 * Flotilla's vault, e.g. a CA key) and `{{flotilla: NAME}}` (a value Flotilla fills in when it writes
 * the file: from the vault for `pki/…`, else made then, e.g. a fresh bootstrap token). The plan never holds either value; the chip says where
 * it will come from, so nobody mistakes the placeholder for the file's real content.
 */
const PLACEHOLDER = /(<secret: [^>\n]+>|\{\{flotilla: [a-z0-9./:-]+\}\})/

export function Placeholders({ text }: { text: string }) {
  const parts = text.split(PLACEHOLDER)
  return (
    <>
      {parts.map((part, i) => {
        if (i % 2 === 0) return part
        const whole = part.startsWith('<secret:')
        const name = whole ? part.slice('<secret: '.length, -1) : part.slice('{{flotilla: '.length, -2)
        // `pki/…` names come from the vault (engine-env.ts); the others Flotilla makes at write time.
        const vault = whole || name.startsWith('pki/')
        return (
          <span
            key={i}
            className={`secret-chip${vault ? '' : ' secret-chip-filled'}`}
            data-testid="secret-chip"
            title={part}
          >
            <span aria-hidden="true">🔒</span> {name}{' '}
            <span className="secret-chip-from">{vault ? 'from Flotilla’s vault' : 'filled in by Flotilla'}</span>
          </span>
        )
      })}
    </>
  )
}
