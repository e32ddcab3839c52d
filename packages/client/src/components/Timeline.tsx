import type { BootStep, SessionStatus } from '@agent-ops/protocol'
import { useLayoutEffect, useRef } from 'react'
import type { TimelineItem, TimelineState } from '../timeline/reducer.ts'
import { Spinner } from './Spinner.tsx'
import { ToolCard } from './ToolCard.tsx'

/** How close to the bottom (px) still counts as "at the bottom" for auto-scrolling. */
const stickToBottomPx = 48

/** What the session is doing right now, shown with a spinner under the log. */
export type Activity = 'booting' | 'working' | null

export function Timeline({ timeline, activity }: { timeline: TimelineState; activity: Activity }) {
  const scroller = useRef<HTMLDivElement>(null)
  const atBottom = useRef(true)

  // Follow new output only when the reader is already at the bottom; never yank them back while they read.
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-run whenever the log grows.
  useLayoutEffect(() => {
    const element = scroller.current
    if (element && atBottom.current) element.scrollTop = element.scrollHeight
  }, [timeline.lastSeq, activity])

  const onScroll = () => {
    const element = scroller.current
    if (!element) return
    atBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < stickToBottomPx
  }

  const last = timeline.items.at(-1)
  const streaming = last?.kind === 'text' && !last.done
  return (
    <div className="timeline" ref={scroller} onScroll={onScroll} aria-live="off">
      {timeline.lastSeq === 0 && <Spinner label="Loading the session log" />}
      {timeline.items.map((item) => (
        <TimelineEntry key={item.key} item={item} />
      ))}
      {activity === 'working' && !streaming && (
        <div className="working">
          <Spinner label="The agent is working" /> Working…
        </div>
      )}
      {activity === 'booting' && (
        <div className="working">
          <Spinner label="The session is starting" /> Starting the session…
        </div>
      )}
    </div>
  )
}

const stepLabels: Record<BootStep, string> = {
  'sandbox.created': 'Sandbox created',
  'runner.connected': 'Runner connected',
  'agent.started': 'Agent started',
  'agent.ready': 'Agent ready',
}

/** Status changes worth a line in the log; the rest (ready <-> working) is in the header badge. */
const notableStatuses: readonly SessionStatus[] = ['failed', 'stopping', 'stopped', 'hibernated', 'resuming']

function TimelineEntry({ item }: { item: TimelineItem }) {
  switch (item.kind) {
    case 'user':
      return (
        <article className="entry user-message" aria-label={`Message from ${item.author}`}>
          <header>
            {item.author}
            {item.mode === 'steer' && <span className="tag">steer</span>}
          </header>
          <div className="text">{item.text}</div>
        </article>
      )
    case 'text':
      return (
        <div className={`entry assistant-text${item.done ? '' : ' streaming'}`}>
          <div className="text">{item.text}</div>
        </div>
      )
    case 'reasoning':
      return (
        <details className="entry reasoning">
          <summary>Reasoning</summary>
          <div className="text">{item.text}</div>
        </details>
      )
    case 'tool':
      return <ToolCard tool={item} />
    case 'status':
      if (!notableStatuses.includes(item.status)) return null
      return (
        <p className={`entry event-line${item.status === 'failed' ? ' event-error' : ''}`}>
          Session {item.status}
          {item.reason ? `: ${item.reason}` : ''}
        </p>
      )
    case 'progress':
      return (
        <p className="entry event-line">
          {stepLabels[item.step]}
          {item.detail ? ` (${item.detail})` : ''}
        </p>
      )
    case 'error':
      return (
        <p className="entry agent-error" role="alert">
          <strong>Agent error ({item.errorKind}):</strong> {item.message}
        </p>
      )
    case 'restart':
      return (
        <p className="entry event-line event-warning">
          Agent restarted (attempt {item.attempt}): {item.reason}
        </p>
      )
    case 'permission':
      return (
        <p className="entry event-line">
          Permission <code>{item.permission}</code>{' '}
          {item.patterns.length > 0 && <code>{item.patterns.join(' ')}</code>} answered “{item.reply}” by
          policy
        </p>
      )
    case 'question':
      return <p className="entry event-line">Question rejected by policy: {item.questions.join(' / ')}</p>
    case 'files':
      return (
        <div className="entry files">
          <span className="event-line">Changed files</span>
          <ul>
            {item.files.map((file) => (
              <li key={file.path}>
                <code>{file.path}</code> <span className="additions">+{file.additions}</span>{' '}
                <span className="deletions">−{file.deletions}</span>
              </li>
            ))}
          </ul>
        </div>
      )
  }
}
