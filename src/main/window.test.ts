import { beforeEach, describe, expect, it, vi } from 'vitest'

const created: { options: Record<string, unknown>; contents: FakeContents; loaded: string[] }[] = []
const openExternal = vi.fn()

class FakeContents {
  handlers = new Map<string, (...args: unknown[]) => void>()
  openHandler: ((d: { url: string }) => { action: string }) | undefined
  setWindowOpenHandler(fn: (d: { url: string }) => { action: string }) {
    this.openHandler = fn
  }
  on(event: string, fn: (...args: unknown[]) => void) {
    this.handlers.set(event, fn)
  }
}

vi.mock('electron', () => ({
  BrowserWindow: class {
    webContents = new FakeContents()
    loaded: string[] = []
    constructor(options: Record<string, unknown>) {
      created.push({ options, contents: this.webContents, loaded: this.loaded })
    }
    once() {}
    loadURL(url: string) {
      this.loaded.push(url)
      return Promise.resolve()
    }
  },
  shell: { openExternal },
  session: { defaultSession: {} },
}))

const { createMainWindow } = await import('./window')

function open() {
  createMainWindow({
    preloadPath: '/app/out/preload/index.cjs',
    url: 'flotilla://app/index.html',
    devTools: false,
  })
  return created.at(-1)!
}

function navigate(contents: FakeContents, event: string, url: string): boolean {
  let prevented = false
  contents.handlers.get(event)!({ preventDefault: () => (prevented = true) }, url)
  return prevented
}

describe('createMainWindow', () => {
  beforeEach(() => {
    created.length = 0
    openExternal.mockClear()
  })

  it('isolates and sandboxes the page', () => {
    const { options, loaded } = open()
    expect(options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      devTools: false,
      preload: '/app/out/preload/index.cjs',
    })
    expect(loaded).toEqual(['flotilla://app/index.html'])
  })

  it('denies every window.open, handing https links to the browser', () => {
    const { contents } = open()
    expect(contents.openHandler!({ url: 'https://kubernetes.io/docs' })).toEqual({ action: 'deny' })
    expect(openExternal).toHaveBeenCalledWith('https://kubernetes.io/docs')
    expect(contents.openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' })
    expect(openExternal).toHaveBeenCalledTimes(1)
  })

  it('blocks navigation away from the app and webviews', () => {
    const { contents } = open()
    expect(navigate(contents, 'will-navigate', 'https://evil.example/')).toBe(true)
    expect(navigate(contents, 'will-redirect', 'file:///etc/passwd')).toBe(true)
    expect(navigate(contents, 'will-navigate', 'file:///app/out/renderer/index.html')).toBe(true)
    expect(navigate(contents, 'will-navigate', 'flotilla://app/index.html#/settings')).toBe(false)
    let prevented = false
    contents.handlers.get('will-attach-webview')!({ preventDefault: () => (prevented = true) })
    expect(prevented).toBe(true)
  })
})
