import type { ApiKey, ApiKeyScope, CreatedApiKey } from '@agent-ops/protocol'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { errorMessage } from '../api.ts'
import { useApi, useErrorText, useIsAdmin } from '../auth.tsx'
import { CopyField } from '../components/CopyField.tsx'
import { ErrorNotice } from '../components/ErrorNotice.tsx'
import { Spinner } from '../components/Spinner.tsx'
import { formatAge, formatDateTime } from '../format.ts'
import { keysKey } from './queries.ts'

const scopes: { scope: ApiKeyScope; label: string }[] = [
  { scope: 'read', label: 'read: see sessions and their events' },
  { scope: 'write', label: 'write: also start, prompt and stop sessions' },
  { scope: 'admin', label: 'admin: also manage the team' },
]
const expiries: { days: number | null; label: string }[] = [
  { days: 30, label: '30 days' },
  { days: 90, label: '90 days' },
  { days: 365, label: '1 year' },
  { days: null, label: 'Never' },
]

function keyState(key: ApiKey, now = Date.now()): string {
  if (key.revokedAt) return 'revoked'
  if (key.expiresAt && Date.parse(key.expiresAt) <= now) return 'expired'
  return 'active'
}

/** Keys for the REST API and the CLI: created here, shown once, listed by prefix, revoked at once. */
export function ApiKeysPage() {
  const { client } = useApi()
  const admin = useIsAdmin()
  const queryClient = useQueryClient()
  const keys = useQuery({ queryKey: keysKey, queryFn: async () => (await client.keys.list()).keys })
  const errorText = useErrorText(keys.error)
  const [name, setName] = useState('')
  const [chosen, setChosen] = useState<ApiKeyScope[]>(['read', 'write'])
  const [days, setDays] = useState<number | null>(90)
  const [created, setCreated] = useState<CreatedApiKey | null>(null)
  const create = useMutation({
    mutationFn: () => client.keys.create({ name: name.trim(), scopes: chosen, expiresInDays: days }),
    onSuccess: (key) => {
      setCreated(key)
      setName('')
      queryClient.invalidateQueries({ queryKey: keysKey })
    },
  })
  const revoke = useMutation({
    mutationFn: (id: string) => client.keys.revoke(id),
    onSettled: () => queryClient.invalidateQueries({ queryKey: keysKey }),
  })
  const submit = (event: FormEvent) => {
    event.preventDefault()
    create.mutate()
  }
  const toggleScope = (scope: ApiKeyScope, on: boolean) =>
    setChosen((current) => (on ? [...current, scope] : current.filter((s) => s !== scope)))

  return (
    <main className="page">
      <h1>API keys</h1>
      <p className="hint">
        For the REST API and the <code>agent-ops</code> CLI (<code>agent-ops login</code>). A key acts as you,
        limited to its scopes.
      </p>
      <form className="card stack" onSubmit={submit} aria-labelledby="new-key-heading">
        <h2 id="new-key-heading">New key</h2>
        <label htmlFor="key-name">Name</label>
        <input
          id="key-name"
          placeholder="e.g. laptop CLI"
          maxLength={100}
          value={name}
          onChange={(event) => setName(event.target.value)}
          required
        />
        <fieldset className="stack plain">
          <legend>Scopes</legend>
          {scopes
            .filter((option) => admin || option.scope !== 'admin')
            .map((option) => (
              <label key={option.scope} className="check">
                <input
                  type="checkbox"
                  checked={chosen.includes(option.scope)}
                  onChange={(event) => toggleScope(option.scope, event.target.checked)}
                />
                {option.label}
              </label>
            ))}
        </fieldset>
        <div className="row">
          <label htmlFor="key-expiry">Expires in</label>
          <select
            id="key-expiry"
            value={days ?? 'never'}
            onChange={(event) => setDays(event.target.value === 'never' ? null : Number(event.target.value))}
          >
            {expiries.map((option) => (
              <option key={option.label} value={option.days ?? 'never'}>
                {option.label}
              </option>
            ))}
          </select>
          <span className="spacer" />
          <button
            type="submit"
            className="primary"
            disabled={create.isPending || !name.trim() || chosen.length === 0}
          >
            Create key
          </button>
        </div>
        <ErrorNotice message={create.error ? errorMessage(create.error) : null} />
      </form>
      {created && (
        <section className="card stack created-secret" aria-labelledby="created-key-heading">
          <h2 id="created-key-heading">Key “{created.name}” created</h2>
          <p className="notice notice-warning" role="note">
            Copy this key now: it is shown only once. Agent Ops keeps only a hash of it.
          </p>
          <CopyField label="API key" value={created.key} />
          <div className="row">
            <button type="button" onClick={() => setCreated(null)}>
              Done, I copied it
            </button>
          </div>
        </section>
      )}
      <section className="stack" aria-labelledby="keys-heading">
        <h2 id="keys-heading">Your keys</h2>
        <ErrorNotice message={errorText} />
        {keys.isPending && <Spinner label="Loading keys" withText />}
        {keys.data?.length === 0 && <p className="empty">No API keys yet.</p>}
        {keys.data && keys.data.length > 0 && (
          <div className="table-scroll">
            <table className="sessions">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Key</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Last used</th>
                  <th scope="col" className="hide-narrow">
                    Expires
                  </th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.data.map((key) => {
                  const state = keyState(key)
                  return (
                    <tr key={key.id}>
                      <td>{key.name}</td>
                      <td className="mono">{key.prefix}…</td>
                      <td>{key.scopes.join(', ')}</td>
                      <td>
                        {key.lastUsedAt ? (
                          <time dateTime={key.lastUsedAt} title={formatDateTime(key.lastUsedAt)}>
                            {formatAge(key.lastUsedAt)}
                          </time>
                        ) : (
                          <span className="hint">never</span>
                        )}
                      </td>
                      <td className="hide-narrow">
                        {key.expiresAt ? formatDateTime(key.expiresAt) : 'never'}
                      </td>
                      <td>
                        <span className={state === 'active' ? 'badge badge-ok' : 'badge badge-idle'}>
                          {state}
                        </span>
                      </td>
                      <td className="actions">
                        {state === 'active' && (
                          <button
                            type="button"
                            className="small danger"
                            disabled={revoke.isPending}
                            aria-label={`Revoke ${key.name}`}
                            onClick={() => {
                              if (
                                window.confirm(
                                  `Revoke “${key.name}”? Anything using it stops working at once.`,
                                )
                              )
                                revoke.mutate(key.id)
                            }}
                          >
                            Revoke
                          </button>
                        )}
                      </td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
          </div>
        )}
        <ErrorNotice message={revoke.error ? errorMessage(revoke.error) : null} />
      </section>
    </main>
  )
}
