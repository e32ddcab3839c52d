import { type FormEvent, useId, useState } from 'react'
import { useApi } from '../auth.tsx'
import { ErrorNotice } from '../components/ErrorNotice.tsx'
import { parsePort } from './model.ts'
import { submitInNewTab } from './PanelFrame.tsx'

/** Forwarded ports: a server listening inside the sandbox, opened in a new tab on the sandbox origin. */
export function PortsPanel({ sessionId }: { sessionId: string }) {
  const { client, describeError } = useApi()
  const inputId = useId()
  const hintId = useId()
  const [text, setText] = useState('3000')
  const [error, setError] = useState<string | null>(null)
  const [opening, setOpening] = useState(false)
  const port = parsePort(text)

  const open = async (event: FormEvent) => {
    event.preventDefault()
    if (port === null) {
      setError('A port is a whole number from 1 to 65535.')
      return
    }
    setError(null)
    setOpening(true)
    try {
      const token = await client.sessions.panelToken(sessionId, 'port', { port })
      submitInNewTab(token, token.path)
    } catch (failure) {
      setError(describeError(failure))
    } finally {
      setOpening(false)
    }
  }

  return (
    <form className="ports-panel" onSubmit={open}>
      <label htmlFor={inputId}>Port</label>
      <div className="row nowrap">
        <input
          id={inputId}
          type="number"
          inputMode="numeric"
          min={1}
          max={65_535}
          value={text}
          onChange={(event) => setText(event.target.value)}
          aria-describedby={hintId}
        />
        <button type="submit" className="primary" disabled={opening}>
          {opening ? 'Opening…' : 'Open'}
        </button>
      </div>
      <p className="hint" id={hintId}>
        A server started inside the sandbox (say <code>npm run dev</code> on :{port ?? 3000}) is reachable on
        the session's sandbox origin under <code>/port/{port ?? 3000}/</code>. It opens in a new tab, signed
        in for this session only.
      </p>
      <ErrorNotice message={error} />
    </form>
  )
}
