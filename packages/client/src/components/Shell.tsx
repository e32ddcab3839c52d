import { Link, Outlet, useLocation } from '@tanstack/react-router'
import { useApi, useIsAdmin } from '../auth.tsx'
import { ThemePicker } from './ThemePicker.tsx'
import { UserMenu } from './UserMenu.tsx'
import { WaitingForInvite } from './WaitingForInvite.tsx'

/** The frame around every page: brand, navigation, theme, the account menu. */
export function Shell() {
  const { me } = useApi()
  const admin = useIsAdmin()
  const { pathname } = useLocation()
  // Someone in no team yet can only wait for an invite, or open the one they were sent.
  const waiting = me.org === null && pathname !== '/invite'
  return (
    <div className="shell">
      <a href="#content" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          Agent Ops
        </Link>
        {me.org && (
          <nav aria-label="Main" className="main-nav">
            <Link to="/" activeOptions={{ exact: true, includeSearch: false }}>
              Sessions
            </Link>
            <Link to="/team">Team</Link>
            <Link to="/keys">API keys</Link>
            {admin && <Link to="/audit">Audit log</Link>}
          </nav>
        )}
        <span className="spacer" />
        <ThemePicker />
        <UserMenu />
      </header>
      <div id="content" className="content">
        {waiting ? <WaitingForInvite /> : <Outlet />}
      </div>
    </div>
  )
}
