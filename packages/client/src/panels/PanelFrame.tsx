import type { PanelKind, PanelToken } from '@agent-ops/protocol'
import { useEffect, useId, useRef, useState } from 'react'
import { useApi } from '../auth.tsx'

interface PanelFrameProps {
  sessionId: string
  panel: PanelKind
  /** The iframe's title, for screen readers ("Terminal 2", "VS Code"). */
  title: string
  /** Where to land after the exchange, from the token's `path` (its panel's place on the sandbox origin). */
  next: (token: PanelToken) => string
  /** Bump to mint a new token and load the panel again. */
  reloadKey?: number
}

/**
 * A panel from the session's sandbox origin in an iframe. The access token goes in the body of a form POST to
 * the origin's exchange endpoint, targeted at the iframe (never in a URL, where history and logs keep it); the
 * origin answers with its own cookie and a redirect into the panel. No `sandbox` attribute: VS Code needs
 * scripts and storage on its own origin, which is already isolated from the app's.
 */
export function PanelFrame({ sessionId, panel, title, next, reloadKey = 0 }: PanelFrameProps) {
  const { client, describeError } = useApi()
  const frameName = `panel-${useId().replace(/[^A-Za-z0-9_-]/g, '')}`
  const [pending, setPending] = useState<{ token: PanelToken; next: string } | null>(null)
  const [error, setError] = useState<string | null>(null)
  const form = useRef<HTMLFormElement>(null)
  const nextRef = useRef(next)
  nextRef.current = next

  // biome-ignore lint/correctness/useExhaustiveDependencies: reloadKey is the trigger for a new token.
  useEffect(() => {
    let cancelled = false
    setError(null)
    client.sessions.panelToken(sessionId, panel).then(
      (token) => {
        if (!cancelled) setPending({ token, next: nextRef.current(token) })
      },
      (failure: unknown) => {
        if (!cancelled) setError(describeError(failure))
      },
    )
    return () => {
      cancelled = true
    }
  }, [client, sessionId, panel, reloadKey, describeError])

  useEffect(() => {
    if (!pending) return
    form.current?.submit()
    // Submitted: the token leaves the page.
    setPending(null)
  }, [pending])

  return (
    <div className="panel-frame-wrap">
      {error && (
        <p className="notice notice-error" role="alert">
          Could not open the {title}: {error}
        </p>
      )}
      <iframe
        name={frameName}
        title={title}
        className="panel-frame"
        allow="clipboard-read; clipboard-write"
      />
      {pending && (
        <form ref={form} method="POST" action={pending.token.exchangeUrl} target={frameName} hidden>
          <input type="hidden" name="token" value={pending.token.token} />
          <input type="hidden" name="next" value={pending.next} />
        </form>
      )}
    </div>
  )
}

/**
 * Opens a forwarded port in a new tab through the same exchange: a form POST targeted at `_blank`, so the
 * token stays out of the address bar. `noopener`: the sandbox's page gets no handle on the app's window. Not
 * `noreferrer`: that would send `Origin: null`, and the exchange only takes posts from the app's origin.
 */
export function submitInNewTab(token: PanelToken, next: string): void {
  const form = document.createElement('form')
  form.method = 'POST'
  form.action = token.exchangeUrl
  form.target = '_blank'
  form.rel = 'noopener'
  form.hidden = true
  for (const [name, value] of [
    ['token', token.token],
    ['next', next],
  ] as const) {
    const input = document.createElement('input')
    input.type = 'hidden'
    input.name = name
    input.value = value
    form.append(input)
  }
  document.body.append(form)
  form.submit()
  form.remove()
}

/**
 * The selected panel in a tab of its own: more room, and first-party storage for VS Code where the browser
 * denies storage to embedded third-party pages (third-party cookies blocked, private windows).
 */
export function OpenInNewTab({
  sessionId,
  panel,
  next,
}: {
  sessionId: string
  panel: PanelKind
  next: (token: PanelToken) => string
}) {
  const { client, describeError } = useApi()
  const [error, setError] = useState<string | null>(null)
  const open = async () => {
    setError(null)
    try {
      const token = await client.sessions.panelToken(sessionId, panel)
      submitInNewTab(token, next(token))
    } catch (failure) {
      setError(describeError(failure))
    }
  }
  return (
    <button
      type="button"
      className="small panel-pop-out"
      onClick={open}
      aria-label={error ? 'Could not open: retry in a new tab' : 'Open in a new tab'}
      title={error ?? 'Open this panel in a new browser tab'}
    >
      <span className="hide-narrow">{error ? 'Could not open: retry ' : 'Open in a new tab '}</span>↗
    </button>
  )
}
