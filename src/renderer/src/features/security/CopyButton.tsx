import { useEffect, useState } from 'react'
import './security.css'

/** How long "Copied" stays before the button reads "Copy" again. */
const FEEDBACK_MS = 2000

/**
 * Copies a value (a fingerprint, a hash) to the clipboard and says so on the button itself.
 * Named "Copy <what>" for screen readers; the feedback is announced through a live region.
 */
export function CopyButton({ value, what }: { value: string; what: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle')
  useEffect(() => {
    if (state === 'idle') return
    const timer = setTimeout(() => setState('idle'), FEEDBACK_MS)
    return () => clearTimeout(timer)
  }, [state])
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value)
      setState('copied')
    } catch {
      // No clipboard (a denied permission): the value is on screen to select by hand.
      setState('failed')
    }
  }
  return (
    <button
      type="button"
      className={`button button-small copy-button${state === 'copied' ? ' copy-button-done' : ''}`}
      aria-label={`Copy ${what}`}
      title={state === 'failed' ? 'The clipboard refused: select the text and copy it by hand.' : `Copy ${what}`}
      onClick={() => void copy()}
    >
      <span aria-live="polite">{state === 'copied' ? 'Copied' : state === 'failed' ? 'Not copied' : 'Copy'}</span>
    </button>
  )
}
