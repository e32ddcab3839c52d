import { useMemo } from 'react'
import { Diff, Hunk, parseDiff } from 'react-diff-view'
import 'react-diff-view/style/index.css'

/**
 * A unified diff (git form, see timeline/patch.ts) as a table; one file per patch. `lineNumbers` only when they
 * are the file's: an edit's diff is of the replaced snippet, whose line numbers mean nothing.
 */
export function DiffView({
  patch,
  label,
  lineNumbers,
}: {
  patch: string
  label: string
  lineNumbers: boolean
}) {
  const files = useMemo(() => {
    try {
      return parseDiff(patch)
    } catch {
      return null
    }
  }, [patch])
  const file = files?.[0]
  if (!file) return <pre className="tool-output">{patch}</pre>
  if (file.hunks.length === 0) return <p className="hint">No line changes.</p>
  return (
    <section className="diff-frame" aria-label={label}>
      <Diff
        viewType="unified"
        diffType={file.type}
        hunks={file.hunks}
        gutterType={lineNumbers ? 'default' : 'none'}
      >
        {(hunks) => hunks.map((hunk) => <Hunk key={hunk.content} hunk={hunk} />)}
      </Diff>
    </section>
  )
}
