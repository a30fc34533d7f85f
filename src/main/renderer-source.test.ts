import { describe, expect, it } from 'vitest'
import { APP_SCHEME_PRIVILEGES, APP_URL, rendererUrl } from './renderer-source'

describe('rendererUrl', () => {
  it('loads the app scheme, never file://, when no dev server is given', () => {
    expect(rendererUrl({ isPackaged: true })).toBe('flotilla://app/index.html')
    expect(rendererUrl({ isPackaged: false })).toBe(APP_URL)
  })

  it('ignores ELECTRON_RENDERER_URL in a packaged build', () => {
    expect(rendererUrl({ isPackaged: true, devServerUrl: 'http://localhost:5173/' })).toBe(APP_URL)
    expect(rendererUrl({ isPackaged: true, devServerUrl: 'https://evil.example/' })).toBe(APP_URL)
  })

  it('honours a loopback dev server only when not packaged', () => {
    expect(rendererUrl({ isPackaged: false, devServerUrl: 'http://localhost:5173/' })).toBe('http://localhost:5173/')
    expect(rendererUrl({ isPackaged: false, devServerUrl: 'http://127.0.0.1:5173/' })).toBe('http://127.0.0.1:5173/')
    expect(rendererUrl({ isPackaged: false, devServerUrl: 'https://evil.example/' })).toBe(APP_URL)
    expect(rendererUrl({ isPackaged: false, devServerUrl: 'http://localhost.evil.example/' })).toBe(APP_URL)
    expect(rendererUrl({ isPackaged: false, devServerUrl: 'not a url' })).toBe(APP_URL)
  })

  it('gives the scheme a real, secure origin and nothing more', () => {
    expect(APP_SCHEME_PRIVILEGES).toEqual({ standard: true, secure: true, supportFetchAPI: true })
  })
})
