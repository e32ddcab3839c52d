import { z } from 'zod'
import { SessionRole, SessionVisibility, UserSummary } from './accounts.ts'
import { Limits } from './limits.ts'
import { sessionStatuses } from './vocabulary.ts'

/** Lifecycle states: vocabulary.ts. */
export const SessionStatus = z.enum(sessionStatuses)
export type SessionStatus = z.output<typeof SessionStatus>

/** `provider/model`, as OpenCode names models, e.g. `anthropic/claude-sonnet-4-5`. */
export const ModelRef = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]*\/[^\s/][^\s]*$/i,
    'model must look like "provider/model", e.g. "openai/gpt-5"',
  )
  .max(200)

export const PermissionPolicy = z.enum(['allow', 'deny'])
export type PermissionPolicy = z.output<typeof PermissionPolicy>

export const Usage = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  reasoningTokens: z.number().int().nonnegative(),
  cacheReadTokens: z.number().int().nonnegative(),
  cacheWriteTokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
})
export type Usage = z.output<typeof Usage>

export const Session = z
  .object({
    id: z.string(),
    title: z.string(),
    status: SessionStatus,
    /** Why the session failed or stopped, for people. */
    statusReason: z.string().nullable(),
    /** Whether the agent is in a turn right now (`working`) is also in `status`; this is the queue behind it. */
    queuedMessages: z.number().int().nonnegative(),
    model: ModelRef,
    permissionPolicy: PermissionPolicy,
    usage: Usage,
    lastEventSeq: z.number().int().nonnegative(),
    /** Null for sessions started before accounts existed. */
    owner: UserSummary.nullable(),
    visibility: SessionVisibility,
    /** The caller's role on this session (absent where no caller is known, e.g. in events). */
    access: SessionRole.optional(),
    createdAt: z.string().datetime(),
    updatedAt: z.string().datetime(),
  })
  .meta({ id: 'Session' })
export type Session = z.output<typeof Session>

export const CreateSessionInput = z
  .object({
    prompt: z
      .string()
      .trim()
      .min(1, 'prompt must not be empty')
      .max(Limits.promptMaxChars, `prompt is longer than ${Limits.promptMaxChars} characters`),
    model: ModelRef.optional(),
    title: z.string().trim().min(1).max(Limits.titleMaxChars).optional(),
    permissionPolicy: PermissionPolicy.optional(),
  })
  .strict()
  .meta({ id: 'CreateSessionInput' })
export type CreateSessionInput = z.input<typeof CreateSessionInput>

export const MessageMode = z.enum(['followup', 'steer'])
export type MessageMode = z.output<typeof MessageMode>

export const SendMessageInput = z
  .object({
    text: z
      .string()
      .trim()
      .min(1, 'text must not be empty')
      .max(Limits.promptMaxChars, `text is longer than ${Limits.promptMaxChars} characters`),
    /** `followup` waits for the current turn; `steer` aborts it and sends at once. */
    mode: MessageMode.default('followup'),
  })
  .strict()
  .meta({ id: 'SendMessageInput' })
export type SendMessageInput = z.input<typeof SendMessageInput>

export const SendMessageResult = z
  .object({
    messageId: z.string(),
    /** True when the message waits behind the current turn. */
    queued: z.boolean(),
  })
  .meta({ id: 'SendMessageResult' })
export type SendMessageResult = z.output<typeof SendMessageResult>

export const SessionList = z.object({ sessions: z.array(Session) }).meta({ id: 'SessionList' })
export type SessionList = z.output<typeof SessionList>

export const AbortResult = z
  .object({
    /** False when there was no turn to abort. */
    aborted: z.boolean(),
  })
  .meta({ id: 'AbortResult' })
export type AbortResult = z.output<typeof AbortResult>
