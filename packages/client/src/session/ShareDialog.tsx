import type {
  CreatedShareLink,
  Participant,
  Session,
  SessionRole,
  SessionVisibility,
  ShareLink,
} from '@agent-ops/protocol'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { absoluteLink, useMembers } from '../account/queries.ts'
import { errorMessage } from '../api.ts'
import { useApi, useErrorText } from '../auth.tsx'
import { CopyField } from '../components/CopyField.tsx'
import { ErrorNotice } from '../components/ErrorNotice.tsx'
import { Spinner } from '../components/Spinner.tsx'
import { formatDateTime } from '../format.ts'
import { sessionKey } from '../hooks/useSession.ts'

type GuestRole = Exclude<SessionRole, 'owner'>

const visibilities: { value: SessionVisibility; label: string; hint: string }[] = [
  { value: 'private', label: 'Private', hint: 'Only you and the people added below.' },
  { value: 'team-visible', label: 'Team can view', hint: 'Everyone in the team can read it.' },
  {
    value: 'team-joinable',
    label: 'Team can join',
    hint: 'Everyone in the team can read it and join as a collaborator.',
  },
]
const linkExpiries = [
  { hours: 1, label: '1 hour' },
  { hours: 24, label: '1 day' },
  { hours: 24 * 7, label: '7 days' },
  { hours: 24 * 30, label: '30 days' },
]

const participantsKey = (id: string) => ['session', id, 'participants'] as const
const linksKey = (id: string) => ['session', id, 'share-links'] as const

/** The Share dialog's sections (ShareButton.tsx loads them when the dialog first opens). */
export function ShareDialogContent({ session }: { session: Session }) {
  return (
    <>
      <VisibilityChoice session={session} />
      <PeopleSection session={session} />
      <LinksSection sessionId={session.id} />
    </>
  )
}

function VisibilityChoice({ session }: { session: Session }) {
  const { client } = useApi()
  const queryClient = useQueryClient()
  const update = useMutation({
    mutationFn: (visibility: SessionVisibility) => client.sharing.update(session.id, { visibility }),
    onSuccess: (updated) => queryClient.setQueryData(sessionKey(session.id), updated),
  })
  const current = update.isPending ? update.variables : session.visibility
  return (
    <fieldset className="stack plain">
      <legend>Who can see it</legend>
      {visibilities.map((option) => (
        <label key={option.value} className="check">
          <input
            type="radio"
            name="visibility"
            value={option.value}
            checked={current === option.value}
            disabled={update.isPending}
            onChange={() => update.mutate(option.value)}
          />
          <span>
            {option.label} <span className="hint">{option.hint}</span>
          </span>
        </label>
      ))}
      <ErrorNotice message={update.error ? errorMessage(update.error) : null} />
    </fieldset>
  )
}

function PeopleSection({ session }: { session: Session }) {
  const { client } = useApi()
  const queryClient = useQueryClient()
  const participants = useQuery({
    queryKey: participantsKey(session.id),
    queryFn: async () => (await client.sharing.participants(session.id)).participants,
  })
  const members = useMembers()
  const errorText = useErrorText(participants.error ?? members.error)
  const [userId, setUserId] = useState('')
  const [role, setRole] = useState<GuestRole>('viewer')
  const refresh = () => queryClient.invalidateQueries({ queryKey: participantsKey(session.id) })
  const add = useMutation({
    mutationFn: () => client.sharing.setParticipant(session.id, userId, role),
    onSuccess: () => setUserId(''),
    onSettled: refresh,
  })
  const listed = new Set(participants.data?.map((p) => p.user.id))
  const candidates =
    members.data?.filter((m) => m.active && m.user.id !== session.owner?.id && !listed.has(m.user.id)) ?? []
  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (userId) add.mutate()
  }
  return (
    <section className="stack" aria-labelledby="share-people-heading">
      <h3 id="share-people-heading">People</h3>
      <ErrorNotice message={errorText} />
      {participants.isPending && <Spinner label="Loading people" withText />}
      <ul className="people">
        {session.owner && (
          <li className="row nowrap">
            <span className="grow">
              {session.owner.name} <span className="hint">{session.owner.email}</span>
            </span>
            <span className="hint">owner</span>
          </li>
        )}
        {participants.data
          ?.filter((p) => p.role !== 'owner')
          .map((participant) => (
            <ParticipantRow
              key={participant.user.id}
              sessionId={session.id}
              participant={participant}
              onChanged={refresh}
            />
          ))}
      </ul>
      <form className="row wrap" onSubmit={submit} aria-label="Add a team member">
        <label htmlFor="share-add-member">Add member</label>
        <select
          id="share-add-member"
          className="grow"
          value={userId}
          onChange={(event) => setUserId(event.target.value)}
          disabled={candidates.length === 0}
        >
          <option value="">
            {candidates.length === 0 ? 'Everyone in the team is added' : 'Choose a member…'}
          </option>
          {candidates.map((member) => (
            <option key={member.user.id} value={member.user.id}>
              {member.user.name} ({member.user.email})
            </option>
          ))}
        </select>
        <label htmlFor="share-add-role" className="visually-hidden">
          Role for the new member
        </label>
        <select
          id="share-add-role"
          value={role}
          onChange={(event) => setRole(event.target.value as GuestRole)}
        >
          <option value="viewer">viewer</option>
          <option value="collaborator">collaborator</option>
        </select>
        <button type="submit" disabled={!userId || add.isPending}>
          Add
        </button>
      </form>
      <ErrorNotice message={add.error ? errorMessage(add.error) : null} />
    </section>
  )
}

function ParticipantRow({
  sessionId,
  participant,
  onChanged,
}: {
  sessionId: string
  participant: Participant
  onChanged: () => void
}) {
  const { client } = useApi()
  const { user } = participant
  const setRole = useMutation({
    mutationFn: (role: GuestRole) => client.sharing.setParticipant(sessionId, user.id, role),
    onSettled: onChanged,
  })
  const remove = useMutation({
    mutationFn: () => client.sharing.removeParticipant(sessionId, user.id),
    onSettled: onChanged,
  })
  const error = setRole.error ?? remove.error
  return (
    <li className="row nowrap">
      <span className="grow">
        {user.name} <span className="hint">{user.email}</span>
      </span>
      <label>
        <span className="visually-hidden">Role of {user.name}</span>
        <select
          value={participant.role}
          disabled={setRole.isPending}
          onChange={(event) => setRole.mutate(event.target.value as GuestRole)}
        >
          <option value="viewer">viewer</option>
          <option value="collaborator">collaborator</option>
        </select>
      </label>
      <button
        type="button"
        className="small danger"
        disabled={remove.isPending}
        onClick={() => remove.mutate()}
        aria-label={`Remove ${user.name}`}
      >
        Remove
      </button>
      {error && (
        <span className="notice-error-text" role="alert">
          {errorMessage(error)}
        </span>
      )}
    </li>
  )
}

function linkState(link: ShareLink, now = Date.now()): string {
  if (link.revokedAt) return 'revoked'
  if (Date.parse(link.expiresAt) <= now) return 'expired'
  if (link.uses >= link.maxUses) return 'used up'
  return 'active'
}

function LinksSection({ sessionId }: { sessionId: string }) {
  const { client } = useApi()
  const queryClient = useQueryClient()
  const links = useQuery({
    queryKey: linksKey(sessionId),
    queryFn: async () => (await client.sharing.links(sessionId)).links,
  })
  const errorText = useErrorText(links.error)
  const [role, setRole] = useState<GuestRole>('viewer')
  const [hours, setHours] = useState(24)
  const [maxUses, setMaxUses] = useState(10)
  const [created, setCreated] = useState<CreatedShareLink | null>(null)
  const refresh = () => queryClient.invalidateQueries({ queryKey: linksKey(sessionId) })
  const create = useMutation({
    mutationFn: () => client.sharing.createLink(sessionId, { role, expiresInHours: hours, maxUses }),
    onSuccess: setCreated,
    onSettled: refresh,
  })
  const revoke = useMutation({
    mutationFn: (linkId: string) => client.sharing.revokeLink(sessionId, linkId),
    onSettled: refresh,
  })
  const submit = (event: FormEvent) => {
    event.preventDefault()
    create.mutate()
  }
  return (
    <section className="stack" aria-labelledby="share-links-heading">
      <h3 id="share-links-heading">Share links</h3>
      <p className="hint">Members of the team who open a link get its role on this session.</p>
      <form className="row wrap" onSubmit={submit} aria-label="New share link">
        <label htmlFor="link-role">Role</label>
        <select id="link-role" value={role} onChange={(event) => setRole(event.target.value as GuestRole)}>
          <option value="viewer">viewer</option>
          <option value="collaborator">collaborator</option>
        </select>
        <label htmlFor="link-expiry">Expires in</label>
        <select id="link-expiry" value={hours} onChange={(event) => setHours(Number(event.target.value))}>
          {linkExpiries.map((option) => (
            <option key={option.hours} value={option.hours}>
              {option.label}
            </option>
          ))}
        </select>
        <label htmlFor="link-max-uses">Max uses</label>
        <input
          id="link-max-uses"
          type="number"
          className="narrow"
          min={1}
          max={1000}
          value={maxUses}
          onChange={(event) => setMaxUses(Math.max(1, Math.min(1000, Number(event.target.value) || 1)))}
        />
        <button type="submit" disabled={create.isPending}>
          Create link
        </button>
      </form>
      <ErrorNotice message={create.error ? errorMessage(create.error) : null} />
      {created && (
        <CopyField
          label={`Share link (${created.role})`}
          value={absoluteLink(created.path)}
          hint="Shown once: copy it now."
        />
      )}
      <ErrorNotice message={errorText} />
      {links.data && links.data.length > 0 && (
        <ul className="people">
          {links.data.map((link) => {
            const state = linkState(link)
            return (
              <li key={link.id} className="row nowrap">
                <span className="grow">
                  {link.role} link · {link.uses} of {link.maxUses} uses ·{' '}
                  <span className="hint">expires {formatDateTime(link.expiresAt)}</span>
                </span>
                <span className="hint">{state}</span>
                {state === 'active' && (
                  <button
                    type="button"
                    className="small danger"
                    disabled={revoke.isPending}
                    onClick={() => revoke.mutate(link.id)}
                    aria-label={`Revoke the ${link.role} link created ${formatDateTime(link.createdAt)}`}
                  >
                    Revoke
                  </button>
                )}
              </li>
            )
          })}
        </ul>
      )}
      <ErrorNotice message={revoke.error ? errorMessage(revoke.error) : null} />
    </section>
  )
}
