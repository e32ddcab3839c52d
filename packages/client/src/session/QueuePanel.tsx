import type { QueuedMessage } from '@agent-ops/protocol'

/**
 * Messages waiting for the agent, in the order it will take them. Read-only for now: removing or editing a
 * queued message needs a server API that does not exist yet.
 */
export function QueuePanel({ queue, booting }: { queue: readonly QueuedMessage[]; booting: boolean }) {
  if (queue.length === 0) return null
  return (
    <section className="queue" aria-labelledby="queue-heading">
      <h2 id="queue-heading">
        Queued ({queue.length}){' '}
        <span className="hint">
          {booting ? 'sent when the session is ready' : 'sent when the current turn ends'}
        </span>
      </h2>
      <ol>
        {queue.map((queued) => (
          <li key={queued.messageId}>
            {queued.mode === 'steer' && <span className="tag">steer</span>}
            <span className="queued-text">{queued.text}</span>
          </li>
        ))}
      </ol>
    </section>
  )
}
