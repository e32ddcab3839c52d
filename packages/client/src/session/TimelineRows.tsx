import type { TimelineItem } from '@agent-ops/protocol/timeline'
import { useVirtualizer } from '@tanstack/react-virtual'
import { type RefObject, useEffect, useState } from 'react'
import { TimelineEntry } from './TimelineEntry.tsx'

/** A first guess of a row's height; rows are measured once rendered. */
const estimatedRowPx = 72
/** Rows rendered beyond the visible ones on each side, so fast scrolling never shows blank space. */
const overscanRows = 8
/**
 * The same on the first render: the reader starts at the bottom, not scrolling, and most of the rows a full
 * overscan adds above the viewport (with their markdown) would only delay the first paint. The rest follow just
 * after it.
 */
const firstPaintOverscanRows = 2

interface TimelineRowsProps {
  rows: readonly TimelineItem[]
  scroller: RefObject<HTMLElement | null>
  onShowChanges: () => void
}

/**
 * The log's rows, virtualized: only those near the viewport are in the page. Mounted once there are rows, and
 * told the viewport's size and that it starts at the bottom, where a session opens, so the first render is
 * already the right one: without, it rendered no rows (a viewport of unknown size) or the top rows (parsing
 * their markdown), and the last rows only a render or two later.
 */
export function TimelineRows({ rows, scroller, onShowChanges }: TimelineRowsProps) {
  const [overscan, setOverscan] = useState(firstPaintOverscanRows)
  useEffect(() => {
    const frame = requestAnimationFrame(() => setOverscan(overscanRows))
    return () => cancelAnimationFrame(frame)
  }, [])
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => estimatedRowPx,
    overscan,
    getItemKey: (index) => rows[index]?.key ?? index,
    // The last screenful by the estimates, within the list's height: an offset past the end is written, clamped
    // by the browser, and then pursued by the virtualizer as the list grows, against the reader's own scrolling.
    initialOffset: () => Math.max(0, rows.length * estimatedRowPx - (scroller.current?.clientHeight ?? 0)),
    initialRect: {
      width: scroller.current?.clientWidth ?? 0,
      height: scroller.current?.clientHeight ?? 0,
    },
  })
  // Home and End jump through the virtualizer, which lands exactly on the first or last row even where rows were
  // never measured (the log opens at the bottom); the browser's own jump lands by the estimated sizes, and the
  // view drifts as the rows it reaches render at their real height.
  useEffect(() => {
    const element = scroller.current
    if (!element) return
    const jump = (event: KeyboardEvent) => {
      if (event.target !== element || (event.key !== 'Home' && event.key !== 'End')) return
      event.preventDefault()
      const home = event.key === 'Home'
      virtualizer.scrollToIndex(home ? 0 : rows.length - 1, { align: home ? 'start' : 'end' })
    }
    element.addEventListener('keydown', jump)
    return () => element.removeEventListener('keydown', jump)
  }, [scroller, virtualizer, rows.length])
  const virtualRows = virtualizer.getVirtualItems()
  return (
    <div className="timeline-sizer" style={{ height: virtualizer.getTotalSize() }}>
      <div className="timeline-window" style={{ transform: `translateY(${virtualRows[0]?.start ?? 0}px)` }}>
        {virtualRows.map((row) => {
          const item = rows[row.index]
          if (!item) return null
          return (
            <div
              key={row.key}
              className="timeline-row"
              data-index={row.index}
              data-seq={item.seq}
              ref={virtualizer.measureElement}
            >
              <TimelineEntry item={item} onShowChanges={onShowChanges} />
            </div>
          )
        })}
      </div>
    </div>
  )
}
