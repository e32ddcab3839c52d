import { z } from 'zod'

/** Roles in an organization: owners and admins manage members, invites, keys of others and the audit log. */
export const OrgRole = z.enum(['owner', 'admin', 'member'])
export type OrgRole = z.output<typeof OrgRole>

/** Roles on one session: owner and collaborators prompt, abort and use panels; viewers only read. */
export const SessionRole = z.enum(['owner', 'collaborator', 'viewer'])
export type SessionRole = z.output<typeof SessionRole>

/** Who besides its participants may see a session: nobody, the team (read), or the team (may join to prompt). */
export const SessionVisibility = z.enum(['private', 'team-visible', 'team-joinable'])
export type SessionVisibility = z.output<typeof SessionVisibility>

/** What an API key may do: read anything its user can read, also change things, also administer the org. */
export const ApiKeyScope = z.enum(['read', 'write', 'admin'])
export type ApiKeyScope = z.output<typeof ApiKeyScope>

export const SignInMethod = z.enum(['password', 'github', 'google'])
export type SignInMethod = z.output<typeof SignInMethod>

const email = z.email({ message: 'must be an email address' }).max(254)
const isoDate = z.string().datetime()

export const UserSummary = z
  .object({ id: z.string(), name: z.string(), email: z.string() })
  .meta({ id: 'UserSummary' })
export type UserSummary = z.output<typeof UserSummary>

/** What the sign-in page needs before anyone is signed in. */
export const SignInOptions = z
  .object({
    methods: z.array(SignInMethod),
    /** True until the first account exists: that account becomes the organization's owner. */
    firstUser: z.boolean(),
  })
  .meta({ id: 'SignInOptions' })
export type SignInOptions = z.output<typeof SignInOptions>

export const Me = z
  .object({
    user: UserSummary,
    /** Null while the user belongs to no organization yet (signed up without an invite). */
    org: z.object({ id: z.string(), name: z.string(), role: OrgRole }).nullable(),
    /** How this request was authenticated, and with which scopes (all three for a browser session). */
    via: z.enum(['cookie', 'api_key']),
    scopes: z.array(ApiKeyScope),
  })
  .meta({ id: 'Me' })
export type Me = z.output<typeof Me>

export const OrgSettings = z
  .object({
    id: z.string(),
    name: z.string(),
    /** People signing up with an email on one of these domains join as members without an invite. */
    allowedDomains: z.array(z.string()),
  })
  .meta({ id: 'OrgSettings' })
export type OrgSettings = z.output<typeof OrgSettings>

const domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9-]+\.)+[a-z]{2,}$/, 'must be a domain name such as example.com')

export const UpdateOrgInput = z
  .object({
    name: z.string().trim().min(1, 'name must not be empty').max(100).optional(),
    allowedDomains: z.array(domain).max(50).optional(),
  })
  .strict()
  .meta({ id: 'UpdateOrgInput' })

export const Member = z
  .object({
    user: UserSummary,
    role: OrgRole,
    active: z.boolean(),
    joinedAt: isoDate,
  })
  .meta({ id: 'Member' })
export type Member = z.output<typeof Member>
export const MemberList = z.object({ members: z.array(Member) }).meta({ id: 'MemberList' })

export const UpdateMemberInput = z.object({ role: OrgRole }).strict().meta({ id: 'UpdateMemberInput' })

export const Invite = z
  .object({
    id: z.string(),
    /** Null for a link anyone may use (once); else only this address may accept. */
    email: z.string().nullable(),
    role: OrgRole.exclude(['owner']),
    expiresAt: isoDate,
    createdBy: UserSummary,
    createdAt: isoDate,
    acceptedAt: isoDate.nullable(),
  })
  .meta({ id: 'Invite' })
export type Invite = z.output<typeof Invite>
export const InviteList = z.object({ invites: z.array(Invite) }).meta({ id: 'InviteList' })

export const CreateInviteInput = z
  .object({
    email: email.optional(),
    role: OrgRole.exclude(['owner']).default('member'),
    expiresInHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 30, 'invites expire after at most 30 days')
      .default(24 * 7),
  })
  .strict()
  .meta({ id: 'CreateInviteInput' })
export type CreateInviteInput = z.input<typeof CreateInviteInput>

/** The invite token travels in the link's #fragment, so it never reaches a server log or a Referer header. */
export const CreatedInvite = Invite.extend({ token: z.string(), path: z.string() }).meta({
  id: 'CreatedInvite',
})
export type CreatedInvite = z.output<typeof CreatedInvite>

export const TokenInput = z
  .object({ token: z.string().min(10, 'token is malformed').max(200, 'token is malformed') })
  .strict()
  .meta({ id: 'TokenInput' })

export const ApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    /** The first characters of the key, to recognise it; the key itself is shown once. */
    prefix: z.string(),
    scopes: z.array(ApiKeyScope),
    createdAt: isoDate,
    expiresAt: isoDate.nullable(),
    lastUsedAt: isoDate.nullable(),
    revokedAt: isoDate.nullable(),
  })
  .meta({ id: 'ApiKey' })
export type ApiKey = z.output<typeof ApiKey>
export const ApiKeyList = z.object({ keys: z.array(ApiKey) }).meta({ id: 'ApiKeyList' })

export const CreateApiKeyInput = z
  .object({
    name: z.string().trim().min(1, 'name must not be empty').max(100),
    scopes: z.array(ApiKeyScope).min(1, 'choose at least one scope'),
    expiresInDays: z.number().int().min(1).max(3650).nullable().default(90),
  })
  .strict()
  .meta({ id: 'CreateApiKeyInput' })
export type CreateApiKeyInput = z.input<typeof CreateApiKeyInput>

export const CreatedApiKey = ApiKey.extend({ key: z.string() }).meta({ id: 'CreatedApiKey' })
export type CreatedApiKey = z.output<typeof CreatedApiKey>

export const AuditEntry = z
  .object({
    id: z.string(),
    at: isoDate,
    actor: z.object({ id: z.string(), name: z.string() }),
    action: z.string(),
    target: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEntry' })
export type AuditEntry = z.output<typeof AuditEntry>
export const AuditList = z.object({ entries: z.array(AuditEntry) }).meta({ id: 'AuditList' })

export const Participant = z
  .object({ user: UserSummary, role: SessionRole, addedAt: isoDate })
  .meta({ id: 'Participant' })
export type Participant = z.output<typeof Participant>
export const ParticipantList = z
  .object({ participants: z.array(Participant) })
  .meta({ id: 'ParticipantList' })

export const SetParticipantInput = z
  .object({ role: SessionRole.exclude(['owner']) })
  .strict()
  .meta({ id: 'SetParticipantInput' })

export const UpdateSessionInput = z
  .object({
    title: z.string().trim().min(1, 'title must not be empty').max(200).optional(),
    visibility: SessionVisibility.optional(),
  })
  .strict()
  .meta({ id: 'UpdateSessionInput' })
export type UpdateSessionInput = z.input<typeof UpdateSessionInput>

export const ShareLink = z
  .object({
    id: z.string(),
    role: SessionRole.exclude(['owner']),
    expiresAt: isoDate,
    maxUses: z.number().int().positive(),
    uses: z.number().int().nonnegative(),
    createdAt: isoDate,
    revokedAt: isoDate.nullable(),
  })
  .meta({ id: 'ShareLink' })
export type ShareLink = z.output<typeof ShareLink>
export const ShareLinkList = z.object({ links: z.array(ShareLink) }).meta({ id: 'ShareLinkList' })

export const CreateShareLinkInput = z
  .object({
    role: SessionRole.exclude(['owner']).default('viewer'),
    expiresInHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 30, 'share links expire after at most 30 days')
      .default(24),
    maxUses: z.number().int().min(1).max(1000).default(10),
  })
  .strict()
  .meta({ id: 'CreateShareLinkInput' })
export type CreateShareLinkInput = z.input<typeof CreateShareLinkInput>

export const CreatedShareLink = ShareLink.extend({ token: z.string(), path: z.string() }).meta({
  id: 'CreatedShareLink',
})
export type CreatedShareLink = z.output<typeof CreatedShareLink>

export const RedeemedShareLink = z
  .object({ sessionId: z.string(), role: SessionRole })
  .meta({ id: 'RedeemedShareLink' })

export const Presence = z
  .object({ viewers: z.array(z.object({ user: UserSummary, since: isoDate })) })
  .meta({ id: 'Presence' })
export type Presence = z.output<typeof Presence>

/** The answer of actions that return nothing else. */
export const Ok = z.object({ ok: z.literal(true) }).meta({ id: 'Ok' })
