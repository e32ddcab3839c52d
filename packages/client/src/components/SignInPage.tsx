import type { SignInOptions } from '@agent-ops/protocol'
import { type FormEvent, useEffect, useState } from 'react'
import { type Client, errorMessage } from '../api.ts'
import {
  type OAuthProvider,
  signInWithPassword,
  signUpWithPassword,
  startOAuthSignIn,
  takeOAuthError,
} from '../auth-api.ts'
import { ErrorNotice } from './ErrorNotice.tsx'
import { Spinner } from './Spinner.tsx'

type Mode = 'sign-in' | 'sign-up'

const providerNames: Record<OAuthProvider, string> = { github: 'GitHub', google: 'Google' }

/** What the link someone opened was for, so the page can say why they are asked to sign in. */
function arrivalReason(): string | null {
  const path = window.location.pathname
  if (path === '/invite')
    return 'You have been invited to a team on Agent Ops. Create your account (or sign in) to join it.'
  if (path === '/share') return 'A session was shared with you. Sign in to open it.'
  return null
}

/**
 * Sign-in and sign-up: email + password and the enabled OAuth providers. Before any account exists, the page
 * creates the first one, which owns the team. The page is shown in place of whatever address was opened, so
 * once signed in, that address (an invite or share link, say) carries on.
 */
export function SignInPage({
  client,
  notice,
  onSignedIn,
}: {
  client: Client
  notice: string | null
  onSignedIn: () => Promise<void>
}) {
  const [options, setOptions] = useState<SignInOptions | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [oauthError] = useState(takeOAuthError)
  const arrival = arrivalReason()
  const [mode, setMode] = useState<Mode>(() =>
    window.location.pathname === '/invite' ? 'sign-up' : 'sign-in',
  )
  const [name, setName] = useState('')
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [busy, setBusy] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    client.signInOptions().then(setOptions, (caught) => setLoadError(errorMessage(caught)))
  }, [client])

  if (!options) {
    return (
      <main className="page page-narrow">
        <h1>Agent Ops</h1>
        {loadError ? (
          <ErrorNotice message={loadError} />
        ) : (
          <Spinner label="Loading sign-in options" withText />
        )}
      </main>
    )
  }

  const first = options.firstUser
  const signingUp = first || mode === 'sign-up'
  const password_ = options.methods.includes('password')
  const providers = options.methods.filter((m): m is OAuthProvider => m === 'github' || m === 'google')
  const heading = first ? 'Create the first account' : signingUp ? 'Create your account' : 'Sign in'

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(signingUp ? 'Creating your account' : 'Signing in')
    setError(null)
    try {
      if (signingUp) await signUpWithPassword(name.trim(), email.trim(), password)
      else await signInWithPassword(email.trim(), password)
      await onSignedIn()
    } catch (caught) {
      setError(errorMessage(caught))
      setBusy(null)
    }
  }
  const oauth = async (provider: OAuthProvider) => {
    setBusy(`Opening ${providerNames[provider]}`)
    setError(null)
    try {
      await startOAuthSignIn(provider)
    } catch (caught) {
      setError(errorMessage(caught))
      setBusy(null)
    }
  }

  return (
    <main className="page page-narrow sign-in">
      <h1>Agent Ops</h1>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {arrival && !first && <p className="notice">{arrival}</p>}
      <section className="card stack" aria-labelledby="sign-in-heading">
        <h2 id="sign-in-heading">{heading}</h2>
        {first && (
          <p className="hint">
            No account exists yet. The first account owns the team: it invites the others and manages roles.
          </p>
        )}
        <ErrorNotice message={error ?? oauthError} />
        {password_ && (
          <form className="stack" onSubmit={submit}>
            {signingUp && (
              <>
                <label htmlFor="sign-in-name">Name</label>
                <input
                  id="sign-in-name"
                  autoComplete="name"
                  value={name}
                  maxLength={100}
                  onChange={(event) => setName(event.target.value)}
                  required
                />
              </>
            )}
            <label htmlFor="sign-in-email">Email</label>
            <input
              id="sign-in-email"
              type="email"
              autoComplete="email"
              value={email}
              onChange={(event) => setEmail(event.target.value)}
              required
            />
            <label htmlFor="sign-in-password">Password</label>
            <input
              id="sign-in-password"
              type="password"
              autoComplete={signingUp ? 'new-password' : 'current-password'}
              minLength={signingUp ? 10 : undefined}
              aria-describedby={signingUp ? 'sign-in-password-hint' : undefined}
              value={password}
              onChange={(event) => setPassword(event.target.value)}
              required
            />
            {signingUp && (
              <p className="hint" id="sign-in-password-hint">
                At least 10 characters.
              </p>
            )}
            <div className="row">
              <button type="submit" className="primary" disabled={busy !== null}>
                {first ? 'Create account' : signingUp ? 'Create account' : 'Sign in'}
              </button>
              {busy && <Spinner label={busy} withText />}
            </div>
          </form>
        )}
        {providers.length > 0 && (
          <div className="stack oauth-buttons">
            {password_ && <p className="divider">or</p>}
            {providers.map((provider) => (
              <button key={provider} type="button" onClick={() => oauth(provider)} disabled={busy !== null}>
                Sign in with {providerNames[provider]}
              </button>
            ))}
          </div>
        )}
        {!password_ && providers.length === 0 && (
          <p className="notice notice-warning">No sign-in method is enabled on this server.</p>
        )}
        {password_ && !first && (
          <p className="hint">
            {signingUp ? 'Already have an account? ' : 'New here, with an invite? '}
            <button
              type="button"
              className="link-button"
              onClick={() => {
                setMode(signingUp ? 'sign-in' : 'sign-up')
                setError(null)
              }}
            >
              {signingUp ? 'Sign in' : 'Create an account'}
            </button>
          </p>
        )}
      </section>
    </main>
  )
}
