import type { SessionRole } from '@agent-ops/protocol'
import type { Principal } from '../auth/principal.ts'
import type { SessionAccessRow } from '../auth/session-access.ts'
import type { Actor } from '../sessions/ports.ts'

/** Typed context variables (Hono module augmentation would leak into every Hono app; a typed Env does not). */
export type AppEnv = {
  Variables: {
    actor: Actor
    requestId: string
    /** Set by access control on every non-public API route. */
    principal: Principal
    /** On routes about one session (`:id`): the session and the caller's role on it. */
    session: SessionAccessRow
    sessionRole: SessionRole
  }
}
