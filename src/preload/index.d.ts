/** The renderer compiles against this declaration only, never against preload or main code. */
import type { FlotillaApi } from '../shared/bridge'

declare global {
  interface Window {
    api: FlotillaApi
  }
}

export {}
