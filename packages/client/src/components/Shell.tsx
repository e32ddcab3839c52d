import { Link, Outlet } from '@tanstack/react-router'
import { useApi } from '../auth.tsx'
import { ThemePicker } from './ThemePicker.tsx'

/** The frame around every page: brand, theme, sign-out. */
export function Shell() {
  const { signOut } = useApi()
  return (
    <div className="shell">
      <a href="#content" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          Agent Ops
        </Link>
        <span className="spacer" />
        <ThemePicker />
        <button type="button" className="link-button" onClick={() => signOut()}>
          Sign out
        </button>
      </header>
      <div id="content" className="content">
        <Outlet />
      </div>
    </div>
  )
}
