import type { ToolStatus } from '@agent-ops/protocol'
import type { ToolState } from '@agent-ops/protocol/timeline'
import { memo, useMemo } from 'react'
import { Spinner } from '../components/Spinner.tsx'
import { patchOf } from '../timeline/patch.ts'
import { editedText, quietTools, toolSummary } from '../timeline/tools.ts'
import { LazyDiffView as DiffView } from './LazyDiffView.tsx'

const statusLabels: Record<ToolStatus, string> = {
  pending: 'pending',
  running: 'running',
  completed: 'done',
  error: 'failed',
}

/** Shell output up to this many lines is shown open; longer output starts folded. */
const openOutputMaxLines = 12

const lineCount = (text: string) => text.replace(/\n$/, '').split('\n').length

/** One tool call: shells with command and output, edits with their diff, reads and searches on one line. */
export const ToolCard = memo(function ToolCard({ tool }: { tool: ToolState }) {
  const summary = toolSummary(tool)
  const active = tool.status === 'pending' || tool.status === 'running'
  const quiet = quietTools.has(tool.tool)
  return (
    <article
      className={`entry tool tool-${tool.status}${quiet ? ' tool-quiet' : ''}`}
      aria-label={`Tool ${tool.tool}, ${statusLabels[tool.status]}`}
    >
      <header>
        <span className="tool-name">{tool.tool}</span>
        <span className="tool-summary mono" title={summary}>
          {summary}
        </span>
        {active ? (
          <Spinner label={`${tool.tool} is ${tool.status}`} />
        ) : (
          <span className="tool-status">{statusLabels[tool.status]}</span>
        )}
      </header>
      {tool.error && <pre className="tool-error">{tool.error}</pre>}
      <ToolBody tool={tool} quiet={quiet} />
    </article>
  )
})

function ToolBody({ tool, quiet }: { tool: ToolState; quiet: boolean }) {
  const edit = useMemo(() => editedText(tool), [tool])
  const patch = useMemo(() => (edit ? patchOf(edit.path, edit.before, edit.after) : null), [edit])
  if (edit && patch) return <DiffView patch={patch} label={`Changes to ${edit.path}`} lineNumbers={false} />
  // The todo list has its own panel; repeating it here is noise.
  if (tool.tool === 'todowrite' || !tool.output) return null
  const lines = lineCount(tool.output)
  const startOpen = !quiet && lines <= openOutputMaxLines
  return (
    <details open={startOpen}>
      <summary>
        Output ({lines} line{lines === 1 ? '' : 's'})
      </summary>
      <pre className="tool-output">{tool.output}</pre>
    </details>
  )
}
