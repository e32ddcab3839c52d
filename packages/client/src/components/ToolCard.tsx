import type { ToolStatus } from '@agent-ops/protocol'
import type { ToolState } from '../timeline/reducer.ts'
import { Spinner } from './Spinner.tsx'

const statusLabels: Record<ToolStatus, string> = {
  pending: 'pending',
  running: 'running',
  completed: 'done',
  error: 'failed',
}

/** What the call was about in one line: the command for shells, else its title or main argument. */
export function toolSummary(tool: ToolState): string {
  const { command } = tool.input
  if (typeof command === 'string') return command
  if (tool.title) return tool.title
  for (const key of ['filePath', 'path', 'pattern', 'url', 'query']) {
    const value = tool.input[key]
    if (typeof value === 'string') return value
  }
  return ''
}

export function ToolCard({ tool }: { tool: ToolState }) {
  const summary = toolSummary(tool)
  const active = tool.status === 'pending' || tool.status === 'running'
  const outputLines = tool.output ? tool.output.replace(/\n$/, '').split('\n').length : 0
  return (
    <article
      className={`entry tool tool-${tool.status}`}
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
      {tool.output && (
        <details>
          <summary>
            Output ({outputLines} line{outputLines === 1 ? '' : 's'})
          </summary>
          <pre className="tool-output">{tool.output}</pre>
        </details>
      )}
    </article>
  )
}
