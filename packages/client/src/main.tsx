import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { takeReturnPath } from './auth-api.ts'
import { App } from './components/App.tsx'
import { router } from './router.tsx'
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

// Before the first render, so the page never flashes in the wrong theme.
followSystemTheme()
// Back from an OAuth provider: to the page the sign-in started on (an invite link, say).
const returnPath = takeReturnPath()
if (returnPath) router.history.replace(returnPath)

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root element')
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
