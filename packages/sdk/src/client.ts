import type {
  CreateApiKeyInput,
  CreateInviteInput,
  CreateSessionInput,
  CreateShareLinkInput,
  EditQueuedMessageInput,
  OrgRole,
  PanelKind,
  PanelServiceName,
  PanelTokenInput,
  SendMessageInput,
  SessionRole,
  UpdateSessionInput,
} from '@agent-ops/protocol'
import { type EventStreamOptions, followSessionEventBatches, followSessionEvents } from './events.ts'
import { Transport, type TransportOptions } from './http.ts'

export type ClientOptions = TransportOptions

export type Client = ReturnType<typeof createClient>

/** The typed REST/SSE client used by the CLI, the web client, the server's tests and the benchmarks. */
export function createClient(options: ClientOptions) {
  const transport = new Transport(options)
  const sessionPath = (id: string) => `/api/sessions/${encodeURIComponent(id)}`

  const enc = encodeURIComponent
  return {
    baseUrl: transport.baseUrl,
    signInOptions: () => transport.json('GET', '/api/sign-in-options', (s) => s.SignInOptions),
    me: () => transport.json('GET', '/api/me', (s) => s.Me),
    signOutEverywhere: () => transport.json('POST', '/api/me/sign-out-everywhere', (s) => s.Ok),
    /** Ends this browser session (better-auth's endpoint). */
    signOut: () => transport.send('POST', '/api/auth/sign-out', { body: {} }),
    keys: {
      list: () => transport.json('GET', '/api/keys', (s) => s.ApiKeyList),
      create: (input: CreateApiKeyInput) =>
        transport.json('POST', '/api/keys', (s) => s.CreatedApiKey, { body: input }),
      revoke: (id: string) => transport.json('DELETE', `/api/keys/${enc(id)}`, (s) => s.ApiKey),
    },
    org: {
      get: () => transport.json('GET', '/api/org', (s) => s.OrgSettings),
      update: (input: { name?: string; allowedDomains?: string[] }) =>
        transport.json('PATCH', '/api/org', (s) => s.OrgSettings, { body: input }),
      members: () => transport.json('GET', '/api/org/members', (s) => s.MemberList),
      setRole: (userId: string, role: OrgRole) =>
        transport.json('PATCH', `/api/org/members/${enc(userId)}`, (s) => s.Member, { body: { role } }),
      deactivate: (userId: string) =>
        transport.json('POST', `/api/org/members/${enc(userId)}/deactivate`, (s) => s.Member),
      reactivate: (userId: string) =>
        transport.json('POST', `/api/org/members/${enc(userId)}/reactivate`, (s) => s.Member),
      invites: () => transport.json('GET', '/api/org/invites', (s) => s.InviteList),
      invite: (input: CreateInviteInput) =>
        transport.json('POST', '/api/org/invites', (s) => s.CreatedInvite, { body: input }),
      revokeInvite: (id: string) => transport.json('DELETE', `/api/org/invites/${enc(id)}`, (s) => s.Ok),
      acceptInvite: (token: string) =>
        transport.json('POST', '/api/invites/accept', (s) => s.OrgSettings.pick({ id: true, name: true }), {
          body: { token },
        }),
      audit: (opts: { limit?: number; before?: string } = {}) => {
        const query = new URLSearchParams()
        if (opts.limit) query.set('limit', String(opts.limit))
        if (opts.before) query.set('before', opts.before)
        return transport.json('GET', `/api/audit${query.size ? `?${query}` : ''}`, (s) => s.AuditList)
      },
    },
    sharing: {
      update: (id: string, input: UpdateSessionInput) =>
        transport.json('PATCH', sessionPath(id), (s) => s.Session, { body: input }),
      participants: (id: string) =>
        transport.json('GET', `${sessionPath(id)}/participants`, (s) => s.ParticipantList),
      setParticipant: (id: string, userId: string, role: Exclude<SessionRole, 'owner'>) =>
        transport.json('PUT', `${sessionPath(id)}/participants/${enc(userId)}`, (s) => s.Participant, {
          body: { role },
        }),
      removeParticipant: (id: string, userId: string) =>
        transport.json('DELETE', `${sessionPath(id)}/participants/${enc(userId)}`, (s) => s.Ok),
      join: (id: string) => transport.json('POST', `${sessionPath(id)}/join`, (s) => s.Participant),
      links: (id: string) => transport.json('GET', `${sessionPath(id)}/share-links`, (s) => s.ShareLinkList),
      createLink: (id: string, input: CreateShareLinkInput) =>
        transport.json('POST', `${sessionPath(id)}/share-links`, (s) => s.CreatedShareLink, { body: input }),
      revokeLink: (id: string, linkId: string) =>
        transport.json('DELETE', `${sessionPath(id)}/share-links/${enc(linkId)}`, (s) => s.ShareLink),
      redeem: (token: string) =>
        transport.json('POST', '/api/share-links/redeem', (s) => s.RedeemedShareLink, { body: { token } }),
      presence: (id: string) => transport.json('GET', `${sessionPath(id)}/presence`, (s) => s.Presence),
    },
    health: () => transport.json('GET', '/api/health', (s) => s.Health),
    models: () => transport.json('GET', '/api/models', (s) => s.ModelList),
    sessions: {
      create: (input: CreateSessionInput) =>
        transport.json('POST', '/api/sessions', (s) => s.Session, { body: input }),
      list: () => transport.json('GET', '/api/sessions', (s) => s.SessionList),
      get: (id: string) => transport.json('GET', sessionPath(id), (s) => s.Session),
      /** Stops the session for good; the sandbox is cleaned up. */
      stop: (id: string) => transport.json('DELETE', sessionPath(id), (s) => s.Session),
      send: (id: string, input: SendMessageInput) =>
        transport.json('POST', `${sessionPath(id)}/messages`, (s) => s.SendMessageResult, { body: input }),
      abort: (id: string) => transport.json('POST', `${sessionPath(id)}/abort`, (s) => s.AbortResult),
      /** Wakes a hibernated session without a message (409 if it is not hibernated). */
      resume: (id: string) => transport.json('POST', `${sessionPath(id)}/resume`, (s) => s.Session),
      /** The prompt queue: a message can be edited or removed until the agent takes it (then: 409). */
      queue: {
        edit: (id: string, messageId: string, input: EditQueuedMessageInput) =>
          transport.json('PATCH', `${sessionPath(id)}/messages/${enc(messageId)}`, (s) => s.QueuedMessage, {
            body: input,
          }),
        cancel: (id: string, messageId: string) =>
          transport.json('DELETE', `${sessionPath(id)}/messages/${enc(messageId)}`, (s) => s.QueuedMessage),
      },
      events: (id: string, streamOptions?: EventStreamOptions) =>
        followSessionEvents(transport, id, streamOptions),
      /** The session's dev services (terminal, VS Code, browser) and their memory use; all stopped while it sleeps. */
      panels: (id: string) => transport.json('GET', `${sessionPath(id)}/panels`, (s) => s.PanelServices),
      /** Starts a dev service now (collaborators). */
      startPanel: (id: string, name: PanelServiceName) =>
        transport.json('POST', `${sessionPath(id)}/panels/${enc(name)}/start`, (s) => s.PanelService, {
          body: {},
        }),
      /**
       * A 60-second, single-use token for a panel: POST it (form field `token`) to `exchangeUrl` from a browser,
       * which gets the panel's cookie on the session's sandbox origin.
       */
      panelToken: (id: string, panel: PanelKind, input: PanelTokenInput = {}) =>
        transport.json('POST', `${sessionPath(id)}/panels/${enc(panel)}/token`, (s) => s.PanelToken, {
          body: input,
        }),
      /** The same stream as `events`, in the batches it arrived in (one per network read). */
      eventBatches: (id: string, streamOptions?: EventStreamOptions) =>
        followSessionEventBatches(transport, id, streamOptions),
    },
  }
}
