import { describe, expect, it } from 'vitest'
import { takeToken, type TokenWindow } from './web-transport'

/** A tab: its address, history entry, sessionStorage and page lifecycle listeners. */
function tab(href: string, storage = new Map<string, string>()) {
  const listeners: Record<string, (() => void)[]> = {}
  const win: TokenWindow & { location: { href: string } } = {
    location: { href },
    history: {
      state: null,
      replaceState: (_state: unknown, _title: string, url?: string | URL | null) => {
        win.location.href = new URL(String(url), win.location.href).href
      },
    },
    sessionStorage: {
      getItem: (k) => storage.get(k) ?? null,
      setItem: (k, v) => void storage.set(k, v),
      removeItem: (k) => void storage.delete(k),
    },
    addEventListener: (type, listener) => (listeners[type] ??= []).push(listener),
  }
  const fire = (type: string) => listeners[type]?.forEach((l) => l())
  return { win, storage, fire }
}

describe('takeToken', () => {
  it('reads the token and removes it from the address, keeping the rest', () => {
    const { win, storage } = tab('http://127.0.0.1:4545/?token=abc123&x=1#/settings')
    expect(takeToken(win)).toBe('abc123')
    expect(win.location.href).toBe('http://127.0.0.1:4545/?x=1#/settings')
    expect([...storage.values()]).toEqual([])
  })

  it('hands it to a reload of the same tab only, and the next page removes it', () => {
    const first = tab('http://127.0.0.1:4545/?token=abc123')
    expect(takeToken(first.win)).toBe('abc123')
    expect(first.storage.size).toBe(0)
    first.fire('pagehide')
    expect([...first.storage.values()]).toEqual(['abc123'])

    const reloaded = tab('http://127.0.0.1:4545/', first.storage)
    expect(takeToken(reloaded.win)).toBe('abc123')
    expect(reloaded.storage.size).toBe(0)
  })

  it('removes the hand-over when the page comes back from the back/forward cache', () => {
    const { win, storage, fire } = tab('http://127.0.0.1:4545/?token=abc123')
    takeToken(win)
    fire('pagehide')
    fire('pageshow')
    expect(storage.size).toBe(0)
  })

  it('has no token without one in the address or a hand-over', () => {
    const { win } = tab('http://127.0.0.1:4545/')
    expect(takeToken(win)).toBeNull()
    expect(takeToken(tab('http://127.0.0.1:4545/?token=').win)).toBeNull()
  })
})
