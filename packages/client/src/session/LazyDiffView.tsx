import { lazy, Suspense } from 'react'
import { Spinner } from '../components/Spinner.tsx'

// The diff viewer loads when the first diff is shown, not with the app.
const DiffView = lazy(() => import('./DiffView.tsx').then((module) => ({ default: module.DiffView })))

export function LazyDiffView(props: { patch: string; label: string; lineNumbers: boolean }) {
  return (
    <Suspense fallback={<Spinner label="Loading the diff" withText />}>
      <DiffView {...props} />
    </Suspense>
  )
}
