import { useVirtualizer } from '@tanstack/react-virtual'
import { useEffect, useLayoutEffect, useRef, useState } from 'react'
import { oneRow, type RunLine } from './run-model'

/** Every row has the same height (lines do not wrap; long ones scroll sideways inside the list). */
export const LOG_ROW_PX = 19

/**
 * A log as a virtualised list: only the rows in view (and a few around) are in the DOM, so 10,000
 * lines scroll like 10. Pure: it draws the `lines` it is given (a benchmark renders it alone).
 * It follows the end while the user is there; scrolling up stops that, "Jump to end" resumes.
 * `version` changes when `lines` grew in place (the run store appends without copying).
 */
export function LogView({
  lines,
  version = lines.length,
  label,
  hostName,
}: {
  lines: readonly RunLine[]
  version?: number
  label: string
  /** A line's host as the user knows it (a log of several hosts prefixes each line with it). */
  hostName?: (hostId: string) => string
}) {
  const scroller = useRef<HTMLDivElement>(null)
  const [follow, setFollow] = useState(true)
  const [copied, setCopied] = useState<string>()
  // Nothing memoizes this component (the list must re-render as it scrolls): the compiler's skip is right.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: lines.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => LOG_ROW_PX,
    overscan: 20,
  })

  // New lines keep the end in view while following (not while the user reads further up).
  useLayoutEffect(() => {
    if (follow && lines.length > 0) virtualizer.scrollToIndex(lines.length - 1, { align: 'end' })
  }, [follow, lines.length, version, virtualizer])

  useEffect(() => {
    if (!copied) return
    const timer = setTimeout(() => setCopied(undefined), 2000)
    return () => clearTimeout(timer)
  }, [copied])

  const onScroll = () => {
    const el = scroller.current
    if (!el) return
    const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < LOG_ROW_PX * 2
    if (atEnd !== follow) setFollow(atEnd)
  }

  const copy = async (what: 'selection' | 'all') => {
    const text =
      what === 'all' ? lines.map((l) => lineText(l, hostName)).join('\n') : (window.getSelection()?.toString() ?? '')
    if (!text) return setCopied('Select lines first')
    try {
      await navigator.clipboard.writeText(text)
      setCopied(what === 'all' ? `Copied ${lines.length} lines` : 'Copied the selection')
    } catch {
      setCopied('The clipboard refused')
    }
  }

  return (
    <div className="log-view">
      <div className="log-toolbar">
        <span className="muted">
          {lines.length.toLocaleString()} {lines.length === 1 ? 'line' : 'lines'}
        </span>
        <span className="log-toolbar-actions">
          <span role="status" className="muted">
            {copied}
          </span>
          {!follow && (
            <button className="button button-small" onClick={() => setFollow(true)}>
              Jump to end
            </button>
          )}
          <button className="button button-small" onClick={() => void copy('selection')}>
            Copy selection
          </button>
          <button className="button button-small" onClick={() => void copy('all')} disabled={lines.length === 0}>
            Copy all
          </button>
        </span>
      </div>
      <div
        ref={scroller}
        className="log-scroller"
        role="log"
        aria-label={label}
        tabIndex={0}
        onScroll={onScroll}
        data-testid="log-scroller"
      >
        {lines.length === 0 ? (
          <p className="muted log-empty">No output yet.</p>
        ) : (
          <div className="log-rows" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((row) => {
              const line = lines[row.index]!
              return (
                <div
                  key={row.key}
                  className="log-row"
                  data-testid="log-row"
                  style={{ transform: `translateY(${row.start}px)`, height: LOG_ROW_PX }}
                >
                  <span className="log-no" aria-hidden="true">
                    {row.index + 1}
                  </span>
                  {hostName && line.hostId && <span className="log-host">{hostName(line.hostId)}</span>}
                  <span className="log-text">{oneRow(line.line)}</span>
                </div>
              )
            })}
          </div>
        )}
      </div>
    </div>
  )
}

function lineText(line: RunLine, hostName?: (hostId: string) => string): string {
  return hostName && line.hostId ? `${hostName(line.hostId)}: ${line.line}` : line.line
}
