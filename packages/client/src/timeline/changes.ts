import type { ChangedFile } from '@agent-ops/protocol'
import type { TimelineItem } from '@agent-ops/protocol/timeline'
import { patchOf, toGitPatch } from './patch.ts'
import { editedText, workspacePath } from './tools.ts'

export interface FileChanges {
  path: string
  status: ChangedFile['status'] | null
  additions: number
  deletions: number
  /** Diffs in git form, oldest first: the agent's own patch, or one per edit. */
  patches: string[]
}

/** Where the list came from: the agent's file report (a git workspace), or the edits seen in the timeline. */
export type ChangesSource = 'reported' | 'edits'

function countLines(patch: string): { additions: number; deletions: number } {
  let additions = 0
  let deletions = 0
  for (const line of patch.split('\n')) {
    if (line.startsWith('+') && !line.startsWith('+++')) additions++
    else if (line.startsWith('-') && !line.startsWith('---')) deletions++
  }
  return { additions, deletions }
}

const fileWritingTools: ReadonlySet<string> = new Set(['edit', 'write'])

/** Items never change once made (the reducer replaces them), so each edit's diff is computed once. */
const editPatchCache = new WeakMap<TimelineItem, { path: string; patch: string } | null>()

function editPatchOf(item: TimelineItem): { path: string; patch: string } | null {
  const cached = editPatchCache.get(item)
  if (cached !== undefined) return cached
  const edit = item.kind === 'tool' && item.status === 'completed' ? editedText(item) : null
  const result = edit ? { path: edit.path, patch: patchOf(edit.path, edit.before, edit.after) } : null
  editPatchCache.set(item, result)
  return result
}

function editPatches(items: readonly TimelineItem[]): Map<string, string[]> {
  const byPath = new Map<string, string[]>()
  for (const item of items) {
    if (item.kind !== 'tool' || !fileWritingTools.has(item.tool)) continue
    const edit = editPatchOf(item)
    if (!edit) continue
    const patches = byPath.get(edit.path) ?? []
    patches.push(edit.patch)
    byPath.set(edit.path, patches)
  }
  return byPath
}

/**
 * The session's changed files with their diffs. OpenCode reports them (`files.changed`) only in a git
 * workspace; elsewhere the completed edit and write calls are the record of what changed.
 */
export function sessionChanges(
  reported: readonly ChangedFile[],
  items: readonly TimelineItem[],
): { source: ChangesSource; files: FileChanges[] } {
  const edits = editPatches(items)
  if (reported.length > 0) {
    const files = reported.map((file) => {
      const path = workspacePath(file.path)
      const patches = file.patch ? [toGitPatch(path, file.patch)] : (edits.get(path) ?? [])
      return {
        path,
        status: file.status ?? null,
        additions: file.additions,
        deletions: file.deletions,
        patches,
      }
    })
    return { source: 'reported', files }
  }
  const files = [...edits].map(([path, patches]) => {
    const counts = patches.map(countLines)
    return {
      path,
      status: null,
      additions: counts.reduce((sum, count) => sum + count.additions, 0),
      deletions: counts.reduce((sum, count) => sum + count.deletions, 0),
      patches,
    }
  })
  return { source: 'edits', files }
}
