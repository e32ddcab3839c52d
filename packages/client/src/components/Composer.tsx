import type { MessageMode } from '@agent-ops/protocol'
import { Limits } from '@agent-ops/protocol'
import { type KeyboardEvent, useState } from 'react'
import { useApi } from '../auth.tsx'
import { ErrorNotice } from './ErrorNotice.tsx'
import { Spinner } from './Spinner.tsx'

interface ComposerProps {
  sessionId: string
  /** The agent is in a turn: offer Steer and Abort. */
  working: boolean
  /** The session stopped or failed: nothing can be sent any more. */
  closed: boolean
}

export function Composer({ sessionId, working, closed }: ComposerProps) {
  const { client, describeError } = useApi()
  const [text, setText] = useState('')
  const [busy, setBusy] = useState<null | 'sending' | 'aborting'>(null)
  const [error, setError] = useState<string | null>(null)
  const [notice, setNotice] = useState<string | null>(null)

  const send = async (mode: MessageMode) => {
    if (!text.trim() || busy || closed) return
    setBusy('sending')
    setError(null)
    setNotice(null)
    try {
      const result = await client.sessions.send(sessionId, { text, mode })
      setText('')
      if (result.queued) setNotice('Queued: it will be sent when the current turn ends.')
    } catch (caught) {
      setError(describeError(caught))
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
      setError(describeError(caught))
    } finally {
      setBusy(null)
    }
  }
  const sendOnShortcut = (event: KeyboardEvent) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault()
      send('followup')
    }
  }

  if (closed) {
    return <p className="composer composer-closed">This session has ended; it cannot take new messages.</p>
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
        rows={3}
        value={text}
        maxLength={Limits.promptMaxChars}
        placeholder={
          working ? 'Follow up (sent after this turn), or steer to interrupt…' : 'Message the agent…'
        }
        onChange={(event) => setText(event.target.value)}
        onKeyDown={sendOnShortcut}
      />
      <div className="row">
        <span className="hint">Ctrl+Enter (⌘+Enter) sends</span>
        <span className="spacer" />
        {busy && <Spinner label={busy === 'sending' ? 'Sending the message' : 'Aborting the turn'} />}
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
      {notice && (
        <p className="hint" role="status">
          {notice}
        </p>
      )}
    </form>
  )
}
