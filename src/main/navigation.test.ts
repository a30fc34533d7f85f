import { describe, expect, it } from 'vitest'
import { isSameDocument } from './navigation'

describe('isSameDocument', () => {
  const app = 'file:///opt/Flotilla/resources/app.asar/out/renderer/index.html'
  it('allows the app page with any hash', () => {
    expect(isSameDocument(`${app}#/hosts`, app)).toBe(true)
  })
  it('refuses other files, origins and garbage', () => {
    expect(isSameDocument('file:///etc/passwd', app)).toBe(false)
    expect(isSameDocument('https://evil.example/index.html', app)).toBe(false)
    expect(isSameDocument('http://localhost:5174/', 'http://localhost:5173/')).toBe(false)
    expect(isSameDocument('not a url', app)).toBe(false)
  })
})
