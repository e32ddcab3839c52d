import type { ChangesSource, FileChanges } from '../timeline/changes.ts'
import { LazyDiffView as DiffView } from './LazyDiffView.tsx'

/** Files the agent changed in this session, each with its diff. */
export function ChangesView({ files, source }: { files: readonly FileChanges[]; source: ChangesSource }) {
  if (files.length === 0) {
    return <p className="empty">No files changed yet. Edits the agent makes show up here with their diffs.</p>
  }
  return (
    <div className="changes stack">
      {source === 'edits' && (
        <p className="hint">
          Built from the agent's edits: the workspace is not a git repository, so the agent reports no file
          list.
        </p>
      )}
      {files.map((file) => (
        <section key={file.path} className="changed-file" aria-label={`Changes to ${file.path}`}>
          <header>
            <code>{file.path}</code>
            {file.status && <span className="tag">{file.status}</span>}
            <span className="spacer" />
            <span className="additions">+{file.additions}</span>{' '}
            <span className="deletions">−{file.deletions}</span>
          </header>
          {file.patches.length === 0 && <p className="hint">The agent reported no diff for this file.</p>}
          {file.patches.map((patch, index) => (
            <DiffView
              // Two edits can produce the same patch text; their order is stable.
              // biome-ignore lint/suspicious/noArrayIndexKey: patches only ever grow at the end.
              key={index}
              patch={patch}
              label={`Diff ${index + 1} of ${file.path}`}
              lineNumbers={source === 'reported'}
            />
          ))}
        </section>
      ))}
    </div>
  )
}
