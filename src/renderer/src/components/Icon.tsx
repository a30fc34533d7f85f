import logoUrl from '../../../../resources/icon.svg'

/** Line icons drawn inline (no icon font, nothing fetched), 20px on a 24px grid. */
const PATHS = {
  hosts: 'M4 5h16v5H4zM4 14h16v5H4zM7 7.5h.01M7 16.5h.01',
  clusters: 'M12 3l8 4.5v9L12 21l-8-4.5v-9zM12 12l8-4.5M12 12v9M12 12L4 7.5',
  security: 'M12 3l7 3v5c0 4.5-3 8.5-7 10-4-1.5-7-5.5-7-10V6z',
  settings:
    'M12 9a3 3 0 100 6 3 3 0 000-6zM4 12h2M18 12h2M12 4v2M12 18v2M6.3 6.3l1.4 1.4M16.3 16.3l1.4 1.4M6.3 17.7l1.4-1.4M16.3 7.7l1.4-1.4',
  plus: 'M12 5v14M5 12h14',
  check: 'M5 12l4 4 10-10',
  close: 'M6 6l12 12M18 6L6 18',
  edit: 'M4 20h4L19 9l-4-4L4 16zM13 7l4 4',
  trash: 'M5 7h14M10 7V4h4v3M7 7l1 13h8l1-13',
  pulse: 'M3 12h4l3-7 4 14 3-7h4',
  server: 'M5 4h14v7H5zM5 13h14v7H5zM8 7.5h.01M8 16.5h.01',
  /** A Raspberry Pi: a board with its GPIO header and two ports. */
  pi: 'M3 6h18v12H3zM6 8.5h.01M9 8.5h.01M12 8.5h.01M15 8.5h.01M18 8.5h.01M6 12h5v4H6zM14 13h4v3h-4z',
  /** openSUSE MicroOS: the curled chameleon tail of openSUSE's mark. */
  microos: 'M4 15c0-5 4-9 9-9 4 0 7 3 7 6s-2 5-5 5h-4a3 3 0 010-6h2M16 9.5h.01',
  /** Any other Linux: a terminal prompt. */
  linux: 'M3 5h18v14H3zM7 10l3 2-3 2M12 15h5',
  chevronUp: 'M6 15l6-6 6 6',
  chevronDown: 'M6 9l6 6 6-6',
  home: 'M4 11l8-7 8 7M6 9.5V20h12V9.5M10 20v-5h4v5',
  lock: 'M6 11h12v9H6zM8.5 11V8a3.5 3.5 0 017 0v3',
  unlock: 'M6 11h12v9H6zM8.5 11V8a3.5 3.5 0 016.8-1.2',
  plug: 'M9 3v5M15 3v5M6 8h12v3a6 6 0 01-12 0zM12 17v4',
  alert: 'M12 4l9 16H3zM12 10v4M12 17h.01',
  circle: 'M12 6a6 6 0 100 12 6 6 0 000-12z',
  arrowRight: 'M5 12h14M13 6l6 6-6 6',
} as const

export type IconName = keyof typeof PATHS

export function Icon({ name, size = 20 }: { name: IconName; size?: number }) {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.8}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      <path d={PATHS[name]} />
    </svg>
  )
}

/** The Flotilla mark: the app icon itself (resources/icon.svg), bundled by Vite. */
export function Logo({ size = 28 }: { size?: number }) {
  return <img src={logoUrl} width={size} height={size} alt="" />
}
