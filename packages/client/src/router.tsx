import { SessionStatus } from '@agent-ops/protocol'
import { createRootRoute, createRoute, createRouter, Link, redirect } from '@tanstack/react-router'
import { Shell } from './components/Shell.tsx'
import { SessionsPage } from './dashboard/SessionsPage.tsx'
import { SessionRoute } from './session/SessionPage.tsx'

/** The dashboard's filters live in the address, so a filtered list can be bookmarked and shared. */
export type StatusFilter = 'all' | 'active' | 'ended' | SessionStatus
export interface DashboardSearch {
  status?: StatusFilter
  q?: string
}

function validateDashboardSearch(search: Record<string, unknown>): DashboardSearch {
  const { status, q } = search
  const known = status === 'all' || status === 'active' || status === 'ended'
  const result: DashboardSearch = {}
  if (typeof status === 'string' && (known || SessionStatus.safeParse(status).success))
    result.status = status as StatusFilter
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

export const router = createRouter({
  routeTree: rootRoute.addChildren([dashboardRoute, sessionsRoute, sessionRoute]),
  defaultPreload: 'intent',
  scrollRestoration: true,
})

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router
  }
}
