import type { SessionStatus } from '@agent-ops/protocol'
import type { TimelineItem } from '@agent-ops/protocol/timeline'
import { useCallback, useLayoutEffect, useMemo, useRef, useState } from 'react'
import { Spinner } from '../components/Spinner.tsx'
import { TimelineRows } from './TimelineRows.tsx'

/** How close to the bottom (px) still counts as "at the bottom" for following new output. */
const stickToBottomPx = 48
/** A scroll this soon after the reader's wheel, touch, key or pointer counts as theirs. */
const userScrollWindowMs = 400

/** What the session is doing right now, shown with a labelled spinner under the log. */
export type Activity = 'booting' | 'working' | null

/** Status changes worth a line in the log; the rest (ready <-> working) is in the header badge. */
const notableStatuses: readonly SessionStatus[] = ['failed', 'stopping', 'stopped', 'hibernated', 'resuming']

export function visibleItems(items: readonly TimelineItem[]): TimelineItem[] {
  return items.filter((item) => item.kind !== 'status' || notableStatuses.includes(item.status))
}

interface TimelineProps {
  items: readonly TimelineItem[]
  loading: boolean
  activity: Activity
  /** Changes when the reader sent a message: jump to the bottom and follow again. */
  followKey: number
  onShowChanges: () => void
}

/**
 * The session's log, virtualized (only the rows near the viewport are in the page), following new output
 * while the reader is at the bottom and never pulling them down while they read further up.
 */
export function Timeline({ items, loading, activity, followKey, onShowChanges }: TimelineProps) {
  const scroller = useRef<HTMLDivElement>(null)
  const content = useRef<HTMLDivElement>(null)
  const atBottom = useRef(true)
  const rows = useMemo(() => visibleItems(items), [items])
  // The rows are virtualized against the scroller's size, known once it is in the page: rendered before, on a
  // first render that already has the whole log, they would come out empty and only appear a render later.
  const [scrollerMounted, setScrollerMounted] = useState(false)
  useLayoutEffect(() => setScrollerMounted(true), [])

  const followIfAtBottom = useCallback(() => {
    const element = scroller.current
    if (element && atBottom.current) element.scrollTop = element.scrollHeight
  }, [])

  // Rows are measured after they render and the header above can grow late: any size change re-follows.
  useLayoutEffect(() => {
    const observer = new ResizeObserver(followIfAtBottom)
    if (scroller.current) observer.observe(scroller.current)
    if (content.current) observer.observe(content.current)
    return () => observer.disconnect()
  }, [followIfAtBottom])

  // biome-ignore lint/correctness/useExhaustiveDependencies: re-follow whenever the log or the activity moves.
  useLayoutEffect(followIfAtBottom, [rows, activity, followIfAtBottom])

  useLayoutEffect(() => {
    if (followKey === 0) return
    atBottom.current = true
    followIfAtBottom()
  }, [followKey, followIfAtBottom])

  // Only the reader's own scrolling decides whether to follow: rows measured above the viewport and our own
  // jumps to the bottom scroll too, and must not be mistaken for the reader scrolling away.
  const lastInputAt = useRef(0)
  const pointerDown = useRef(false)
  const noteInput = () => {
    lastInputAt.current = performance.now()
  }
  const onScroll = () => {
    const element = scroller.current
    if (!element) return
    if (!pointerDown.current && performance.now() - lastInputAt.current > userScrollWindowMs) return
    atBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < stickToBottomPx
  }

  const last = rows.at(-1)
  const streaming = last?.kind === 'text' && !last.done
  return (
    <section
      className="timeline"
      ref={scroller}
      aria-label="Timeline"
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard.
      tabIndex={0}
      onScroll={onScroll}
      onWheel={noteInput}
      onTouchMove={noteInput}
      onKeyDown={noteInput}
      onPointerDown={() => {
        pointerDown.current = true
        noteInput()
      }}
      onPointerUp={() => {
        pointerDown.current = false
        noteInput()
      }}
    >
      <div ref={content} className="timeline-content">
        {loading && <Spinner label="Loading the session log" withText />}
        {scrollerMounted && rows.length > 0 && (
          <TimelineRows rows={rows} scroller={scroller} onShowChanges={onShowChanges} />
        )}
        {activity === 'working' && !streaming && (
          <div className="working">
            <Spinner label="The agent is working" withText />
          </div>
        )}
        {activity === 'booting' && (
          <div className="working">
            <Spinner label="The session is starting" withText />
          </div>
        )}
      </div>
    </section>
  )
}
