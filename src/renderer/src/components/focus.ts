/**
 * Where focus goes when the element that had it is gone (a dialog closed, a row removed): back to
 * `previous` while it is still in the page, else to the current screen's heading, so a keyboard or
 * screen-reader user keeps their place instead of starting again from <body>.
 */
export function focusLanding(previous: HTMLElement | null): void {
  if (previous && previous !== document.body && previous.isConnected && !previous.closest('[hidden], [inert]')) {
    previous.focus()
    if (document.activeElement === previous) return
  }
  screenHeading()?.focus()
}

let lastFocused: HTMLElement | null = null
document.addEventListener('focusin', (e) => {
  if (e.target instanceof HTMLElement) lastFocused = e.target
})

/**
 * What opened a dialog: the focused element, or, when focus already fell to <body> (the button
 * that opened it went disabled while it worked, e.g. Connect), the element that had it last.
 */
export function opener(): HTMLElement | null {
  const active = document.activeElement
  return active instanceof HTMLElement && active !== document.body ? active : lastFocused
}

/** The current screen's <h1> (made focusable by script only: it is not a Tab stop). */
function screenHeading(): HTMLElement | null {
  const heading = document.querySelector<HTMLElement>('main h1')
  if (heading && !heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1')
  return heading
}

/**
 * Watches the page: when the focused element is removed (e.g. "Remove" on a host row takes the
 * row away) focus would fall to <body>; it goes to the screen's heading instead. Returns the stop.
 */
export function rescueLostFocus(root: HTMLElement): () => void {
  let last: HTMLElement | null = null
  const onFocus = (e: FocusEvent) => {
    if (e.target instanceof HTMLElement) last = e.target
  }
  const observer = new MutationObserver(() => {
    if (last && !last.isConnected && (document.activeElement === document.body || !document.activeElement)) {
      // A dialog that closed puts focus back itself (Dialog); only a lost focus is rescued here.
      if (!document.querySelector('[role="dialog"]')) focusLanding(null)
      last = null
    }
  })
  document.addEventListener('focusin', onFocus)
  observer.observe(root, { childList: true, subtree: true })
  return () => {
    document.removeEventListener('focusin', onFocus)
    observer.disconnect()
  }
}
