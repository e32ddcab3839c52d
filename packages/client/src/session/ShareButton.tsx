import type { Session } from '@agent-ops/protocol'
import { lazy, Suspense, useEffect, useRef, useState } from 'react'
import { Spinner } from '../components/Spinner.tsx'

// The dialog's code loads when it first opens, not with the session page.
const ShareDialogContent = lazy(() =>
  import('./ShareDialog.tsx').then((module) => ({ default: module.ShareDialogContent })),
)

/** The owner's Share button and its dialog: visibility, people and their roles, share links. */
export function ShareButton({ session }: { session: Session }) {
  const dialog = useRef<HTMLDialogElement>(null)
  const [open, setOpen] = useState(false)
  useEffect(() => {
    if (open) dialog.current?.showModal()
  }, [open])
  return (
    <>
      <button type="button" className="small" onClick={() => setOpen(true)} aria-haspopup="dialog">
        Share
      </button>
      {open && (
        <dialog
          ref={dialog}
          className="share-dialog"
          aria-labelledby="share-dialog-heading"
          onClose={() => setOpen(false)}
        >
          <div className="row nowrap">
            <h2 id="share-dialog-heading">Share “{session.title}”</h2>
            <span className="spacer" />
            <button type="button" className="small" onClick={() => dialog.current?.close()}>
              Close
            </button>
          </div>
          <Suspense fallback={<Spinner label="Loading the sharing settings" withText />}>
            <ShareDialogContent session={session} />
          </Suspense>
        </dialog>
      )}
    </>
  )
}
