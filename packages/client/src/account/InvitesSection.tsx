import type { CreatedInvite, Invite } from '@agent-ops/protocol'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { errorMessage } from '../api.ts'
import { useApi, useErrorText } from '../auth.tsx'
import { CopyField } from '../components/CopyField.tsx'
import { ErrorNotice } from '../components/ErrorNotice.tsx'
import { Spinner } from '../components/Spinner.tsx'
import { formatDateTime } from '../format.ts'
import { absoluteLink, invitesKey } from './queries.ts'

const expiries = [
  { hours: 24, label: '1 day' },
  { hours: 24 * 7, label: '7 days' },
  { hours: 24 * 30, label: '30 days' },
]

function inviteState(invite: Invite, now = Date.now()): string {
  if (invite.acceptedAt) return 'accepted'
  if (Date.parse(invite.expiresAt) <= now) return 'expired'
  return 'pending'
}

/** Admins invite people by email or by a single-use link; the link (with its token) is shown once. */
export function InvitesSection() {
  const { client } = useApi()
  const queryClient = useQueryClient()
  const invites = useQuery({
    queryKey: invitesKey,
    queryFn: async () => (await client.org.invites()).invites,
  })
  const errorText = useErrorText(invites.error)
  const [email, setEmail] = useState('')
  const [role, setRole] = useState<'member' | 'admin'>('member')
  const [hours, setHours] = useState(24 * 7)
  const [created, setCreated] = useState<CreatedInvite | null>(null)
  const create = useMutation({
    mutationFn: () =>
      client.org.invite({ ...(email.trim() ? { email: email.trim() } : {}), role, expiresInHours: hours }),
    onSuccess: (invite) => {
      setCreated(invite)
      setEmail('')
      queryClient.invalidateQueries({ queryKey: invitesKey })
    },
  })
  const revoke = useMutation({
    mutationFn: (id: string) => client.org.revokeInvite(id),
    onSettled: () => queryClient.invalidateQueries({ queryKey: invitesKey }),
  })
  const submit = (event: FormEvent) => {
    event.preventDefault()
    create.mutate()
  }

  return (
    <section className="stack" aria-labelledby="invites-heading">
      <h2 id="invites-heading">Invites</h2>
      <form className="card stack" onSubmit={submit} aria-label="New invite">
        <div className="row wrap">
          <label htmlFor="invite-email">Email</label>
          <input
            id="invite-email"
            type="email"
            className="grow"
            placeholder="Empty: a link anyone can use"
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
          <label htmlFor="invite-role">Role</label>
          <select
            id="invite-role"
            value={role}
            onChange={(event) => setRole(event.target.value as 'member' | 'admin')}
          >
            <option value="member">member</option>
            <option value="admin">admin</option>
          </select>
          <label htmlFor="invite-expiry">Expires in</label>
          <select id="invite-expiry" value={hours} onChange={(event) => setHours(Number(event.target.value))}>
            {expiries.map((option) => (
              <option key={option.hours} value={option.hours}>
                {option.label}
              </option>
            ))}
          </select>
          <button type="submit" className="primary" disabled={create.isPending}>
            {email.trim() ? 'Invite by email' : 'Create invite link'}
          </button>
        </div>
        <p className="hint">
          Agent Ops sends no email: pass the link on yourself. An email invite can be accepted only by that
          address, and someone signing up with it joins at once.
        </p>
        <ErrorNotice message={create.error ? errorMessage(create.error) : null} />
        {created && (
          <div className="stack created-secret">
            <CopyField
              label={created.email ? `Invite link for ${created.email}` : 'Invite link'}
              value={absoluteLink(created.path)}
              hint="Shown once: copy it now. It works once, until it expires."
            />
            <div className="row">
              <button type="button" className="small" onClick={() => setCreated(null)}>
                Done
              </button>
            </div>
          </div>
        )}
      </form>
      <ErrorNotice message={errorText} />
      {invites.isPending && <Spinner label="Loading invites" withText />}
      {invites.data?.length === 0 && <p className="empty">No invites yet.</p>}
      {invites.data && invites.data.length > 0 && (
        <div className="table-scroll">
          <table className="sessions">
            <thead>
              <tr>
                <th scope="col">For</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col" className="hide-narrow">
                  Created by
                </th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {invites.data.map((invite) => {
                const state = inviteState(invite)
                return (
                  <tr key={invite.id}>
                    <td>{invite.email ?? <span className="hint">Link (anyone, once)</span>}</td>
                    <td>{invite.role}</td>
                    <td>{state}</td>
                    <td className="hide-narrow">{invite.createdBy.name}</td>
                    <td>{formatDateTime(invite.expiresAt)}</td>
                    <td className="actions">
                      {state === 'pending' && (
                        <button
                          type="button"
                          className="small danger"
                          disabled={revoke.isPending}
                          onClick={() => revoke.mutate(invite.id)}
                          aria-label={`Revoke the invite ${invite.email ? `for ${invite.email}` : 'link'}`}
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
  )
}
