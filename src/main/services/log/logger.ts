import { appendFileSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Redactor } from '../secrets/secret'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

export interface Logger {
  debug(message: string): void
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

export type LogSink = (line: string) => void

/** A logger that redacts registered secrets from every line before any sink sees it. */
export function createLogger(sinks: LogSink[], redactor: Redactor, now: () => Date = () => new Date()): Logger {
  const write = (level: LogLevel, message: string) => {
    const line = `${now().toISOString()} ${level.toUpperCase().padEnd(5)} ${redactor.redact(message)}`
    for (const sink of sinks) sink(line)
  }
  return {
    debug: (m) => write('debug', m),
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
  }
}

/**
 * Appends lines to a file, creating its folder. Synchronous on purpose: log lines are small and
 * rare, and a crash right after an error must not lose the line that explains it.
 */
export function fileSink(path: string): LogSink {
  let ready = false
  return (line) => {
    try {
      if (!ready) {
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
        ready = true
      }
      appendFileSync(path, line + '\n', { mode: 0o600 })
    } catch {
      // Logging must never take the app down (read-only data dir, full disk).
    }
  }
}
