import type { QueuedMessage } from '@agent-ops/protocol'
import { Limits } from '@agent-ops/protocol/vocabulary'
import { type KeyboardEvent, useEffect, useState } from 'react'
import { errorMessage } from '../api.ts'
import { useApi } from '../auth.tsx'
import { ErrorNotice } from '../components/ErrorNotice.tsx'
import { Spinner } from '../components/Spinner.tsx'

interface QueuePanelProps {
  sessionId: string
  queue: readonly QueuedMessage[]
  booting: boolean
  /** The caller is a viewer: the queue is shown, never changed. */
  readOnly?: boolean
}

/**
 * Messages waiting for the agent, in the order it will take them. Until the agent takes one, it can be edited in
 * place or removed. The list itself comes from the event log, so every viewer sees each change live; a change
 * that loses the race against the agent taking the message is refused by the server and said so here.
 */
export function QueuePanel({ sessionId, queue, booting, readOnly = false }: QueuePanelProps) {
  const [error, setError] = useState<string | null>(null)
  if (queue.length === 0 && !error) return null
  return (
    <section className="queue" aria-labelledby="queue-heading">
      <h2 id="queue-heading">
        Queued ({queue.length}){' '}
        <span className="hint">
          {booting ? 'sent when the session is ready' : 'sent when the current turn ends'}
        </span>
      </h2>
      <ol>
        {queue.map((queued, index) => (
          <QueuedItem
            key={queued.messageId}
            sessionId={sessionId}
            queued={queued}
            position={index + 1}
            readOnly={readOnly}
            onError={setError}
          />
        ))}
      </ol>
      <ErrorNotice message={error} />
    </section>
  )
}

type Busy = null | 'saving' | 'removing'

function QueuedItem({
  sessionId,
  queued,
  position,
  readOnly,
  onError,
}: {
  sessionId: string
  queued: QueuedMessage
  position: number
  readOnly: boolean
  onError: (message: string | null) => void
}) {
  const { client } = useApi()
  const [draft, setDraft] = useState<string | null>(null)
  const [busy, setBusy] = useState<Busy>(null)
  // A saved edit, shown until the edit's own event reaches this page: the server's answer can come first, and
  // the item must not flash its old text meanwhile.
  const [saved, setSaved] = useState<{ from: string; text: string } | null>(null)
  // biome-ignore lint/correctness/useExhaustiveDependencies: any change of the text (ours arriving, or another's) ends it.
  useEffect(() => setSaved(null), [queued.text])
  const shownText = saved && saved.from === queued.text ? saved.text : queued.text
  const editorId = `queued-edit-${queued.messageId}`
  const name = `queued message ${position}`

  const run = async (kind: Exclude<Busy, null>, action: () => Promise<unknown>) => {
    setBusy(kind)
    onError(null)
    try {
      await action()
      setDraft(null)
    } catch (caught) {
      onError(errorMessage(caught))
    } finally {
      setBusy(null)
    }
  }
  const save = () => {
    if (draft === null || !draft.trim() || busy) return
    if (draft === queued.text) return setDraft(null)
    const from = queued.text
    run('saving', async () => {
      await client.sessions.queue.edit(sessionId, queued.messageId, { text: draft })
      setSaved({ from, text: draft })
    })
  }
  const remove = () => run('removing', () => client.sessions.queue.cancel(sessionId, queued.messageId))
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.preventDefault()
      setDraft(null)
    } else if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault()
      save()
    }
  }

  if (draft !== null) {
    return (
      <li className="queued-item">
        <form
          className="queued-editor"
          onSubmit={(event) => {
            event.preventDefault()
            save()
          }}
        >
          <label htmlFor={editorId} className="visually-hidden">
            Edit {name}
          </label>
          <textarea
            id={editorId}
            rows={2}
            value={draft}
            maxLength={Limits.promptMaxChars}
            // biome-ignore lint/a11y/noAutofocus: the person just asked to edit this message.
            autoFocus
            onChange={(event) => setDraft(event.target.value)}
            onKeyDown={onKeyDown}
            aria-describedby={`${editorId}-hint`}
          />
          <div className="row wrap">
            <span className="hint" id={`${editorId}-hint`}>
              <kbd>Ctrl</kbd>+<kbd>Enter</kbd> saves, <kbd>Esc</kbd> cancels
            </span>
            <span className="spacer" />
            {busy && <Spinner label="Saving the message" withText />}
            <button type="button" onClick={() => setDraft(null)} disabled={busy !== null}>
              Cancel
            </button>
            <button type="submit" className="primary" disabled={busy !== null || !draft.trim()}>
              Save
            </button>
          </div>
        </form>
      </li>
    )
  }
  return (
    <li className="queued-item">
      {queued.mode === 'steer' && <span className="tag">steer</span>}
      <span className="queued-text">{shownText}</span>
      {!readOnly && (
        <span className="queued-actions">
          {busy === 'removing' && <Spinner label="Removing the message" />}
          <button
            type="button"
            className="small"
            aria-label={`Edit ${name}`}
            onClick={() => setDraft(shownText)}
            disabled={busy !== null}
          >
            Edit
          </button>
          <button
            type="button"
            className="small danger"
            aria-label={`Remove ${name}`}
            onClick={remove}
            disabled={busy !== null}
          >
            Remove
          </button>
        </span>
      )}
    </li>
  )
}
