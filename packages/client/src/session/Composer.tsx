import type { MessageMode } from '@agent-ops/protocol'
import { Limits } from '@agent-ops/protocol/vocabulary'
import { type KeyboardEvent, useState } from 'react'
import { errorMessage } from '../api.ts'
import { useApi } from '../auth.tsx'
import { ErrorNotice } from '../components/ErrorNotice.tsx'
import { Spinner } from '../components/Spinner.tsx'
import { loadDraft, saveDraft } from '../drafts.ts'

interface ComposerProps {
  sessionId: string
  /** The agent is in a turn: offer Steer and Abort. */
  working: boolean
  /** The session stopped or failed: nothing can be sent any more. */
  closed: boolean
  /** The caller is a viewer: they read along, never send or abort. */
  readOnly?: boolean
  /** A message was accepted by the server. */
  onSent: () => void
}

type Busy = null | 'sending' | 'aborting'

export function Composer({ sessionId, working, closed, readOnly = false, onSent }: ComposerProps) {
  const { client } = useApi()
  const draftKey = `session.${sessionId}`
  const [text, setText] = useState(() => loadDraft(draftKey))
  const [busy, setBusy] = useState<Busy>(null)
  const [error, setError] = useState<string | null>(null)

  const updateText = (value: string) => {
    setText(value)
    saveDraft(draftKey, value)
  }
  const send = async (mode: MessageMode) => {
    if (!text.trim() || busy || closed) return
    setBusy('sending')
    setError(null)
    try {
      await client.sessions.send(sessionId, { text, mode })
      updateText('')
      onSent()
    } catch (caught) {
      setError(errorMessage(caught))
    } finally {
      setBusy(null)
    }
  }
  const abort = async () => {
    setBusy('aborting')
    setError(null)
    try {
      await client.sessions.abort(sessionId)
    } catch (caught) {
      setError(errorMessage(caught))
    } finally {
      setBusy(null)
    }
  }
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey)) return
    event.preventDefault()
    send(event.shiftKey && working ? 'steer' : 'followup')
  }

  if (closed) {
    return <p className="composer composer-closed">This session has ended; it cannot take new messages.</p>
  }
  if (readOnly) {
    return (
      <div className="composer">
        <label htmlFor="composer-text" className="visually-hidden">
          Message to the agent
        </label>
        <textarea
          id="composer-text"
          rows={2}
          disabled
          aria-describedby="composer-viewer-note"
          value=""
          readOnly
        />
        <p className="composer-closed" id="composer-viewer-note" role="note">
          You are a viewer of this session: you can follow along, but not send messages or stop the agent.
        </p>
      </div>
    )
  }
  return (
    <form
      className="composer"
      onSubmit={(event) => {
        event.preventDefault()
        send('followup')
      }}
    >
      <label htmlFor="composer-text" className="visually-hidden">
        Message to the agent
      </label>
      <textarea
        id="composer-text"
        rows={2}
        value={text}
        maxLength={Limits.promptMaxChars}
        placeholder={
          working ? 'Follow up (queued until this turn ends), or steer to interrupt…' : 'Message the agent…'
        }
        onChange={(event) => updateText(event.target.value)}
        onKeyDown={onKeyDown}
        aria-describedby="composer-hint"
      />
      <div className="row wrap">
        <span className="hint" id="composer-hint">
          <kbd>Ctrl</kbd>+<kbd>Enter</kbd> sends{working ? '; with Shift it steers' : ''}
        </span>
        <span className="spacer" />
        {busy && <Spinner label={busy === 'sending' ? 'Sending' : 'Aborting'} withText />}
        {working && (
          <button type="button" className="danger" onClick={abort} disabled={busy !== null}>
            Abort
          </button>
        )}
        {working && (
          <button
            type="button"
            onClick={() => send('steer')}
            disabled={busy !== null || !text.trim()}
            title="Abort the current turn and send this at once"
          >
            Steer
          </button>
        )}
        <button type="submit" className="primary" disabled={busy !== null || !text.trim()}>
          Send
        </button>
      </div>
      <ErrorNotice message={error} />
    </form>
  )
}
