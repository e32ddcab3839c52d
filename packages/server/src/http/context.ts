import type { Actor } from '../sessions/ports.ts'

/** Typed context variables (Hono module augmentation would leak into every Hono app; a typed Env does not). */
export type AppEnv = {
  Variables: {
    actor: Actor
    requestId: string
  }
}
