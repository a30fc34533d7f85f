/** The single Electron IPC channel that carries contract events from main to the page. */
export const EVENT_CHANNEL = 'flotilla:event'
