// The entry script, kept to a few kB with no dependencies so it runs as soon as the page has it: it applies the
// theme, sends the requests the page is sure to make, a session's timeline among them (boot/), then starts the
// app. The server answers while the browser evaluates the app, where they used to wait for one 750 kB bundle to
// load and run, and then for each other.
import { firstRequests, sessionOfPage } from './boot/page-requests.ts'
import { prefetch } from './boot/prefetch.ts'
import { hintedSignedIn } from './boot/signed-in-hint.ts'
import { readEarly } from './boot/timeline-read.ts'
import { followSystemTheme } from './theme.ts'
// One stylesheet in parts, in cascade order.
import './styles/tokens.css'
import './styles/base.css'
import './styles/dashboard.css'
import './styles/session.css'
import './styles/utilities.css'
import './styles/session-panels.css'
import './styles/panels.css'
import './styles/content.css'
import './styles/accounts.css'
import './styles/responsive.css'

// Before anything renders, so the page never flashes in the wrong theme.
followSystemTheme()
const { pathname } = window.location
const sessionId = sessionOfPage(pathname)
const signedIn = hintedSignedIn()
// Only for a returning user: anyone else would be refused, and the sign-in page asks for none of this.
if (signedIn) for (const path of firstRequests(pathname)) prefetch(path)
if (signedIn && sessionId !== undefined) readEarly(sessionId)
import('./render-app.tsx')
// A failure here shows when the router imports the page.
if (sessionId !== undefined) import('./session/SessionPage.tsx').catch(() => {})
