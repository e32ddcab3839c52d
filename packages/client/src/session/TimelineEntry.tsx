import type { BootStep } from '@agent-ops/protocol'
import type { TimelineItem } from '@agent-ops/protocol/timeline'
import { memo } from 'react'
import { workspacePath } from '../timeline/tools.ts'
import { Markdown } from './Markdown.tsx'
import { ToolCard } from './ToolCard.tsx'

const stepLabels: Record<BootStep, string> = {
  'sandbox.created': 'Sandbox created',
  'runner.connected': 'Runner connected',
  'agent.started': 'Agent started',
  'agent.ready': 'Agent ready',
}

/** One row of the timeline. Items are immutable, so unchanged rows skip rendering. */
export const TimelineEntry = memo(function TimelineEntry({
  item,
  onShowChanges,
}: {
  item: TimelineItem
  onShowChanges: () => void
}) {
  switch (item.kind) {
    case 'user':
      return (
        <article className="entry user-message" aria-label={`Message from ${item.author}`}>
          <header>
            <span className="author">{item.author}</span>
            {item.mode === 'steer' && <span className="tag">steer</span>}
            {item.edited && <span className="tag">edited while queued</span>}
            {item.cancelled && <span className="tag">not sent: the session stopped</span>}
          </header>
          <div className="text">{item.text}</div>
        </article>
      )
    case 'text':
      return (
        <article
          className={`entry assistant-text${item.done ? '' : ' streaming'}`}
          aria-label="Agent message"
          aria-busy={!item.done}
        >
          <Markdown text={item.text} />
        </article>
      )
    case 'reasoning':
      return (
        <details className="entry reasoning">
          <summary>Reasoning</summary>
          <Markdown text={item.text} />
        </details>
      )
    case 'tool':
      return <ToolCard tool={item} />
    case 'status':
      return (
        <p className={`entry event-line${item.status === 'failed' ? ' event-error' : ''}`}>
          Session {item.status}
          {item.reason ? `: ${item.reason}` : ''}
        </p>
      )
    case 'progress':
      return (
        <p className="entry event-line">
          <span aria-hidden="true">✓ </span>
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
    case 'aborted':
      return <p className="entry event-line event-aborted">Turn aborted</p>
    case 'restart':
      return (
        <p className="entry event-line event-warning">
          Agent restarted (attempt {item.attempt}): {item.reason}
        </p>
      )
    case 'limit':
      return (
        <p className="entry event-line event-warning">
          Sandbox {item.limit} limit reached: {item.message}
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
        <div className="entry event-line files">
          <span>
            Changed {item.files.length} file{item.files.length === 1 ? '' : 's'}:{' '}
          </span>
          {item.files.map((file) => (
            <span key={file.path} className="file-stat">
              <code>{workspacePath(file.path)}</code> <span className="additions">+{file.additions}</span>{' '}
              <span className="deletions">−{file.deletions}</span>
            </span>
          ))}
          <button type="button" className="link-button" onClick={onShowChanges}>
            View changes
          </button>
        </div>
      )
  }
})
