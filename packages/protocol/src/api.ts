import { z } from 'zod'

export const Health = z
  .object({
    status: z.literal('ok'),
    version: z.string(),
    /** `none` until sessions run in a real sandbox; clients may warn about it. */
    isolation: z.enum(['none', 'bubblewrap']),
    database: z.enum(['sqlite', 'postgres']),
  })
  .meta({ id: 'Health' })
export type Health = z.output<typeof Health>

export const ProviderId = z.enum(['anthropic', 'openai', 'google', 'openai-compatible'])
export type ProviderId = z.output<typeof ProviderId>

export const Model = z
  .object({
    /** `provider/model`, the value to pass as a session's `model`. */
    id: z.string(),
    provider: ProviderId,
    name: z.string(),
  })
  .meta({ id: 'Model' })
export type Model = z.output<typeof Model>

export const ModelList = z
  .object({
    models: z.array(Model),
    defaultModel: z.string().nullable(),
    /** True when the only provider is the built-in scripted demo model. */
    demo: z.boolean(),
    /** Providers configured but not reachable right now, with why. */
    unavailable: z.array(z.object({ provider: ProviderId, message: z.string() })),
  })
  .meta({ id: 'ModelList' })
export type ModelList = z.output<typeof ModelList>
