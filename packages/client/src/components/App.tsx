import type { Me } from '@agent-ops/protocol'
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { RouterProvider } from '@tanstack/react-router'
import { useCallback, useEffect, useMemo, useState } from 'react'
import { errorMessage, isUnauthorized, makeClient } from '../api.ts'
import { ApiContext } from '../auth.tsx'
import { hasBrowserSession } from '../auth-api.ts'
import { hintedSignedIn, markSignedIn } from '../boot/signed-in-hint.ts'
import { router } from '../router.tsx'
import { ErrorNotice } from './ErrorNotice.tsx'
import { SignInPage } from './SignInPage.tsx'
import { Spinner } from './Spinner.tsx'

/** One client for the page's life: the browser's cookie, not the client, says who is signed in. */
const client = makeClient()

const expired = 'Your sign-in has ended. Sign in again to go on.'

function makeQueryClient(onUnauthorized: () => void) {
  return new QueryClient({
    // Any 401, from a query or a change, means the browser session ended: back to the sign-in page.
    queryCache: new QueryCache({ onError: (error) => isUnauthorized(error) && onUnauthorized() }),
    mutationCache: new MutationCache({ onError: (error) => isUnauthorized(error) && onUnauthorized() }),
    defaultOptions: {
      // A rejected sign-in will not start working on a retry.
      queries: { retry: (failures, error) => !isUnauthorized(error) && failures < 2 },
    },
  })
}

type AuthState =
  | { status: 'checking' }
  | { status: 'signed-out'; reason: string | null }
  | { status: 'unreachable'; message: string }
  | { status: 'signed-in'; me: Me; generation: number }

/** What the server says about the browser's sign-in. */
export type SignInAnswer =
  | Exclude<AuthState, { status: 'checking' } | { status: 'signed-in' }>
  | { status: 'signed-in'; me: Me }

/**
 * Asks who is signed in. A returning user's /api/me is already on its way (main.tsx). Anyone else asks
 * better-auth first, which says "no session" without the 401 the browser would log as an error.
 */
export async function readSignIn(): Promise<SignInAnswer> {
  try {
    if (!hintedSignedIn() && !(await hasBrowserSession())) return { status: 'signed-out', reason: null }
    return { status: 'signed-in', me: await client.me() }
  } catch (error) {
    if (isUnauthorized(error)) return { status: 'signed-out', reason: null }
    return { status: 'unreachable', message: errorMessage(error) }
  }
}

function nextState(previous: AuthState, answer: SignInAnswer): AuthState {
  if (answer.status !== 'signed-in') return answer
  // The same person keeps their cache; anyone else starts from an empty one.
  const samePerson = previous.status === 'signed-in' && previous.me.user.id === answer.me.user.id
  return { ...answer, generation: samePerson ? previous.generation : Date.now() }
}

/** `firstAnswer`: the sign-in already asked about before the first render (render-app.tsx), if it was. */
export function App({ firstAnswer }: { firstAnswer?: SignInAnswer | undefined }) {
  const [state, setState] = useState<AuthState>(() =>
    firstAnswer ? nextState({ status: 'checking' }, firstAnswer) : { status: 'checking' },
  )

  const checkSignIn = useCallback(async () => {
    const answer = await readSignIn()
    setState((previous) => nextState(previous, answer))
  }, [])

  useEffect(() => {
    if (!firstAnswer) checkSignIn()
  }, [checkSignIn, firstAnswer])

  const signOut = useCallback(async (options: { reason?: string; endSession?: boolean } = {}) => {
    // Leave the signed-in pages first: their event streams and polls close before the cookie stops working.
    setState({ status: 'signed-out', reason: options.reason ?? null })
    if (options.endSession) await client.signOut().catch(() => undefined)
  }, [])

  useEffect(() => {
    if (state.status === 'signed-in') markSignedIn(true)
    else if (state.status === 'signed-out') markSignedIn(false)
  }, [state.status])

  const generation = state.status === 'signed-in' ? state.generation : 0
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new cache per identity (generation).
  const queryClient = useMemo(
    () => makeQueryClient(() => signOut({ reason: expired })),
    [generation, signOut],
  )
  const me = state.status === 'signed-in' ? state.me : null
  const api = useMemo(
    () => (me ? { client, me, signOut, refreshMe: checkSignIn } : null),
    [me, signOut, checkSignIn],
  )

  if (state.status === 'checking') {
    return (
      <main className="page page-narrow">
        <Spinner label="Checking your sign-in" withText />
      </main>
    )
  }
  if (state.status === 'unreachable') {
    return (
      <main className="page page-narrow">
        <h1>Agent Ops</h1>
        <ErrorNotice message={state.message} />
        <div className="row">
          <button type="button" className="primary" onClick={checkSignIn}>
            Try again
          </button>
        </div>
      </main>
    )
  }
  if (state.status === 'signed-out' || !api) {
    return (
      <SignInPage
        client={client}
        notice={state.status === 'signed-out' ? state.reason : null}
        onSignedIn={checkSignIn}
      />
    )
  }
  return (
    <ApiContext value={api}>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </ApiContext>
  )
}
