import type { SessionStatus } from '@agent-ops/protocol'
import { sessionStatuses } from '@agent-ops/protocol/vocabulary'
import {
  createRootRoute,
  createRoute,
  createRouter,
  Link,
  lazyRouteComponent,
  redirect,
} from '@tanstack/react-router'
import { Shell } from './components/Shell.tsx'

// Each page's code loads when its route is opened: the app's first evaluation carries the shell only. main.tsx
// starts loading the session page's code at boot when the page opens on a session.
const SessionsPage = lazyRouteComponent(() => import('./dashboard/SessionsPage.tsx'), 'SessionsPage')
const SessionRoute = lazyRouteComponent(() => import('./session/SessionPage.tsx'), 'SessionRoute')
const TeamPage = lazyRouteComponent(() => import('./account/TeamPage.tsx'), 'TeamPage')
const ApiKeysPage = lazyRouteComponent(() => import('./account/ApiKeysPage.tsx'), 'ApiKeysPage')
const AuditPage = lazyRouteComponent(() => import('./account/AuditPage.tsx'), 'AuditPage')
const InvitePage = lazyRouteComponent(() => import('./account/InvitePage.tsx'), 'InvitePage')
const SharePage = lazyRouteComponent(() => import('./account/SharePage.tsx'), 'SharePage')

/** The dashboard's filters live in the address, so a filtered list can be bookmarked and shared. */
export type StatusFilter = 'all' | 'active' | 'ended' | SessionStatus
/** Whose sessions: everyone's, the caller's own, or their teammates'. */
export type OwnerFilter = 'all' | 'mine' | 'team'
export interface DashboardSearch {
  status?: StatusFilter
  whose?: OwnerFilter
  q?: string
}

function validateDashboardSearch(search: Record<string, unknown>): DashboardSearch {
  const { status, whose, q } = search
  const known = status === 'all' || status === 'active' || status === 'ended'
  const result: DashboardSearch = {}
  if (typeof status === 'string' && (known || (sessionStatuses as readonly string[]).includes(status)))
    result.status = status as StatusFilter
  if (whose === 'mine' || whose === 'team') result.whose = whose
  if (typeof q === 'string' && q) result.q = q
  return result
}

const rootRoute = createRootRoute({
  component: Shell,
  notFoundComponent: () => (
    <main className="page">
      <h1>Page not found</h1>
      <p>
        <Link to="/">Back to sessions</Link>
      </p>
    </main>
  ),
})

const dashboardRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/',
  validateSearch: validateDashboardSearch,
  component: SessionsPage,
})

const sessionsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/sessions',
  beforeLoad: () => {
    throw redirect({ to: '/' })
  },
})

export const sessionRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/sessions/$sessionId',
  component: SessionRoute,
})

const teamRoute = createRoute({ getParentRoute: () => rootRoute, path: '/team', component: TeamPage })
const keysRoute = createRoute({ getParentRoute: () => rootRoute, path: '/keys', component: ApiKeysPage })
const auditRoute = createRoute({ getParentRoute: () => rootRoute, path: '/audit', component: AuditPage })
/** Invite and share links carry their token in the #fragment, which the page reads and then removes. */
const inviteRoute = createRoute({ getParentRoute: () => rootRoute, path: '/invite', component: InvitePage })
const shareRoute = createRoute({ getParentRoute: () => rootRoute, path: '/share', component: SharePage })

export const router = createRouter({
  routeTree: rootRoute.addChildren([
    dashboardRoute,
    sessionsRoute,
    sessionRoute,
    teamRoute,
    keysRoute,
    auditRoute,
    inviteRoute,
    shareRoute,
  ]),
  defaultPreload: 'intent',
  scrollRestoration: true,
})

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router
  }
}
