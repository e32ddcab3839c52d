import type { Member, OrgRole } from '@agent-ops/protocol'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { errorMessage } from '../api.ts'
import { useApi, useErrorText, useIsAdmin } from '../auth.tsx'
import { ErrorNotice } from '../components/ErrorNotice.tsx'
import { Spinner } from '../components/Spinner.tsx'
import { formatDateTime } from '../format.ts'
import { InvitesSection } from './InvitesSection.tsx'
import { membersKey, orgKey, useMembers } from './queries.ts'

const roles: OrgRole[] = ['owner', 'admin', 'member']

/** Members and their roles; for admins also invites, role changes, deactivation and allowed email domains. */
export function TeamPage() {
  const { me } = useApi()
  const admin = useIsAdmin()
  return (
    <main className="page">
      <h1>Team{me.org ? `: ${me.org.name}` : ''}</h1>
      <MembersSection admin={admin} />
      {admin && <InvitesSection />}
      <DomainsSection admin={admin} />
    </main>
  )
}

function MembersSection({ admin }: { admin: boolean }) {
  const { data: members, error } = useMembers()
  const errorText = useErrorText(error)
  return (
    <section className="stack" aria-labelledby="members-heading">
      <h2 id="members-heading">Members</h2>
      <ErrorNotice message={errorText} />
      {!members && !errorText && <Spinner label="Loading members" withText />}
      {members && (
        <div className="table-scroll">
          <table className="sessions">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" className="hide-narrow">
                  Email
                </th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col" className="hide-narrow">
                  Joined
                </th>
                {admin && (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {members.map((member) => (
                <MemberRow key={member.user.id} member={member} admin={admin} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

function MemberRow({ member, admin }: { member: Member; admin: boolean }) {
  const { client, me } = useApi()
  const queryClient = useQueryClient()
  const self = member.user.id === me.user.id
  const refresh = () => queryClient.invalidateQueries({ queryKey: membersKey })
  const setRole = useMutation({
    mutationFn: (role: OrgRole) => client.org.setRole(member.user.id, role),
    onSettled: refresh,
  })
  const toggle = useMutation({
    mutationFn: () =>
      member.active ? client.org.deactivate(member.user.id) : client.org.reactivate(member.user.id),
    onSettled: refresh,
  })
  const error = setRole.error ?? toggle.error
  const { name } = member.user
  return (
    <tr>
      <td>
        {name}
        {self && <span className="tag">you</span>}
      </td>
      <td className="hide-narrow">{member.user.email}</td>
      <td>
        {admin && !self ? (
          <label>
            <span className="visually-hidden">Role of {name}</span>
            <select
              value={member.role}
              disabled={setRole.isPending}
              onChange={(event) => setRole.mutate(event.target.value as OrgRole)}
            >
              {roles.map((role) => (
                <option key={role} value={role}>
                  {role}
                </option>
              ))}
            </select>
          </label>
        ) : (
          member.role
        )}
      </td>
      <td>
        <span className={member.active ? 'badge badge-ok' : 'badge badge-idle'}>
          {member.active ? 'active' : 'deactivated'}
        </span>
      </td>
      <td className="hide-narrow">{formatDateTime(member.joinedAt)}</td>
      {admin && (
        <td className="actions">
          {!self && (
            <button
              type="button"
              className={member.active ? 'small danger' : 'small'}
              disabled={toggle.isPending}
              onClick={() => {
                const question = `Deactivate ${name}? Their sign-ins, API keys and running sessions end now.`
                if (member.active && !window.confirm(question)) return
                toggle.mutate()
              }}
            >
              {member.active ? 'Deactivate' : 'Reactivate'}
            </button>
          )}
          {error && (
            <span className="notice-error-text block" role="alert">
              {errorMessage(error)}
            </span>
          )}
        </td>
      )}
    </tr>
  )
}

function DomainsSection({ admin }: { admin: boolean }) {
  const { client } = useApi()
  const queryClient = useQueryClient()
  const org = useQuery({ queryKey: orgKey, queryFn: () => client.org.get() })
  const errorText = useErrorText(org.error)
  const [draft, setDraft] = useState<string | null>(null)
  const save = useMutation({
    mutationFn: (allowedDomains: string[]) => client.org.update({ allowedDomains }),
    onSuccess: (settings) => {
      queryClient.setQueryData(orgKey, settings)
      setDraft(null)
    },
  })
  const current = org.data?.allowedDomains.join(', ') ?? ''
  const text = draft ?? current
  const submit = (event: FormEvent) => {
    event.preventDefault()
    save.mutate(
      text
        .split(/[\s,]+/)
        .map((d) => d.trim())
        .filter(Boolean),
    )
  }
  return (
    <section className="stack" aria-labelledby="domains-heading">
      <h2 id="domains-heading">Allowed email domains</h2>
      <p className="hint" id="domains-hint">
        People who sign up with an address on one of these domains join the team as members without an invite.
      </p>
      <ErrorNotice message={errorText} />
      {org.isPending && <Spinner label="Loading the team's settings" withText />}
      {org.data &&
        (admin ? (
          <form className="row wrap" onSubmit={submit}>
            <label htmlFor="allowed-domains" className="visually-hidden">
              Allowed email domains
            </label>
            <input
              id="allowed-domains"
              className="grow"
              placeholder="example.com, example.org"
              aria-describedby="domains-hint"
              value={text}
              onChange={(event) => setDraft(event.target.value)}
            />
            <button type="submit" disabled={save.isPending || draft === null || draft === current}>
              Save domains
            </button>
            {save.isSuccess && draft === null && (
              <span className="hint" role="status">
                Saved
              </span>
            )}
          </form>
        ) : (
          <p>{current || 'None: everyone joins by invite.'}</p>
        ))}
      <ErrorNotice message={save.error ? errorMessage(save.error) : null} />
    </section>
  )
}
