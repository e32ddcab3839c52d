import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { takeReturnPath } from './auth-api.ts'
import { hintedSignedIn } from './boot/signed-in-hint.ts'
import { App, readSignIn } from './components/App.tsx'
import { router } from './router.tsx'

// Back from an OAuth provider: to the page the sign-in started on (an invite link, say).
const returnPath = takeReturnPath()
if (returnPath) router.history.replace(returnPath)

/**
 * A returning user's /api/me went out at boot (main.tsx), and the page's code is loading. Waiting for both before
 * the first render makes it the page itself, not a "Checking your sign-in" screen and then a route still loading,
 * each rendered again a moment later. (A function, not top-level await: that would split the entry's modules
 * into chunks of their own.)
 */
async function start(root: HTMLElement) {
  const firstAnswer = hintedSignedIn() ? await readSignIn() : undefined
  if (firstAnswer?.status === 'signed-in') await router.load().catch(() => {})
  createRoot(root).render(
    <StrictMode>
      <App firstAnswer={firstAnswer} />
    </StrictMode>,
  )
}

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root element')
start(root)
