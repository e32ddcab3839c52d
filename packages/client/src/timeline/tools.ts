import type { ToolState } from '@agent-ops/protocol/timeline'

/**
 * Paths as people know them: relative to the session's workspace. Tools report host paths (and OpenCode's
 * titles drop the leading slash), so everything up to the last `workspace/` segment is cut.
 */
export function workspacePath(path: string): string {
  const match = /(?:^|\/)workspace\/(.*)$/.exec(path)
  return match?.[1] ? match[1] : path
}

/** Any workspace path inside a longer text (a title, a command) made relative. */
export function relativizePaths(text: string): string {
  return text.replace(/(?:\/|\b)[\w.@-]+(?:\/[\w.@-]+)*\/workspace\/(?=[\w.@-])/g, '')
}

const stringInput = (tool: ToolState, key: string) => {
  const value = tool.input[key]
  return typeof value === 'string' ? value : undefined
}

/** What the call was about in one line: the command for shells, the file for file tools, else its title. */
export function toolSummary(tool: ToolState): string {
  const command = stringInput(tool, 'command')
  if (command) return relativizePaths(command)
  if (tool.tool === 'todowrite') return todoSummary(tool)
  const file = stringInput(tool, 'filePath') ?? stringInput(tool, 'path')
  if (file) return workspacePath(file)
  if (tool.title) return relativizePaths(tool.title)
  for (const key of ['pattern', 'url', 'query', 'description']) {
    const value = stringInput(tool, key)
    if (value) return value
  }
  return ''
}

function todoSummary(tool: ToolState): string {
  const todos = tool.input.todos
  if (!Array.isArray(todos)) return 'Updated the todo list'
  const done = todos.filter((todo) => (todo as { status?: unknown })?.status === 'completed').length
  return `Todo list: ${done} of ${todos.length} done`
}

/** Tools whose details are noise once done (reads, searches, todo lists): shown collapsed to one line. */
export const quietTools: ReadonlySet<string> = new Set([
  'read',
  'glob',
  'grep',
  'list',
  'todowrite',
  'todoread',
])

/** The before/after of an edit or write call, when its input carries them. */
export function editedText(tool: ToolState): { path: string; before: string; after: string } | null {
  const path = stringInput(tool, 'filePath')
  if (!path) return null
  if (tool.tool === 'edit') {
    const before = stringInput(tool, 'oldString')
    const after = stringInput(tool, 'newString')
    if (before === undefined || after === undefined) return null
    return { path: workspacePath(path), before, after }
  }
  if (tool.tool === 'write') {
    const content = stringInput(tool, 'content')
    return content === undefined ? null : { path: workspacePath(path), before: '', after: content }
  }
  return null
}
