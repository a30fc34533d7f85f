import { describe, expect, it } from 'vitest'
import { isSameDocument } from './navigation'
import { APP_URL } from './renderer-source'

describe('isSameDocument', () => {
  const app = APP_URL
  it('allows the app page with any hash', () => {
    expect(app).toBe('flotilla://app/index.html')
    expect(isSameDocument(`${app}#/hosts`, app)).toBe(true)
  })
  it('refuses the same build from file://, other files, hosts, origins and garbage', () => {
    // The packaged app used to load file://…/out/renderer/index.html: that page is not the app now.
    expect(isSameDocument('file:///opt/Flotilla/resources/app.asar/out/renderer/index.html', app)).toBe(false)
    expect(isSameDocument('file:///etc/passwd', app)).toBe(false)
    expect(isSameDocument('flotilla://app/other.html', app)).toBe(false)
    expect(isSameDocument('flotilla://evil/index.html', app)).toBe(false)
    expect(isSameDocument('https://app/index.html', app)).toBe(false)
    expect(isSameDocument('https://evil.example/index.html', app)).toBe(false)
    expect(isSameDocument('http://localhost:5174/', 'http://localhost:5173/')).toBe(false)
    expect(isSameDocument('not a url', app)).toBe(false)
  })
})
