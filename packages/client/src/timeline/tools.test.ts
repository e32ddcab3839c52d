import type { TimelineItem, ToolState } from '@agent-ops/protocol/timeline'
import { parseDiff } from 'react-diff-view'
import { describe, expect, it } from 'vitest'
import { sessionChanges } from './changes.ts'
import { patchOf, toGitPatch } from './patch.ts'
import { relativizePaths, toolSummary, workspacePath } from './tools.ts'

const tool = (
  name: string,
  input: Record<string, unknown>,
  extra: Partial<ToolState> = {},
): TimelineItem => ({
  kind: 'tool',
  key: `k-${name}-${JSON.stringify(input).length}`,
  seq: 1,
  partId: 'p',
  messageId: 'm',
  callId: 'c',
  tool: name,
  status: 'completed',
  title: null,
  input,
  output: null,
  error: null,
  ...extra,
})
const asTool = (item: TimelineItem) => item as ToolState

describe('tool summaries', () => {
  it('shows paths relative to the workspace, with or without the leading slash', () => {
    expect(workspacePath('/tmp/aops-1/sandboxes/ses_1/workspace/demo/hello.py')).toBe('demo/hello.py')
    expect(workspacePath('tmp/aops-1/sandboxes/ses_1/workspace/demo/hello.py')).toBe('demo/hello.py')
    expect(workspacePath('/workspace/a.txt')).toBe('a.txt')
    expect(workspacePath('/etc/hosts')).toBe('/etc/hosts')
    expect(relativizePaths('Read tmp/x/sandboxes/s/workspace/demo/a.py and /srv/workspace/b.py')).toBe(
      'Read demo/a.py and b.py',
    )
  })

  it('names the command, the file, or the todo progress', () => {
    expect(toolSummary(asTool(tool('bash', { command: 'python3 demo/hello.py' })))).toBe(
      'python3 demo/hello.py',
    )
    expect(toolSummary(asTool(tool('read', { filePath: '/data/sandboxes/s/workspace/demo/hello.py' })))).toBe(
      'demo/hello.py',
    )
    const todos = [{ status: 'completed' }, { status: 'pending' }, { status: 'in_progress' }]
    expect(toolSummary(asTool(tool('todowrite', { todos })))).toBe('Todo list: 1 of 3 done')
  })
})

describe('patches', () => {
  it('turns an edit into a git-form diff the viewer parses, with the right path and lines', () => {
    const [file] = parseDiff(patchOf('demo/hello.py', 'a\nprint("world")\n', 'a\nprint("Agent Ops")\n'))
    expect(file).toMatchObject({ newPath: 'demo/hello.py', type: 'modify' })
    const changes = file?.hunks.flatMap((hunk) => hunk.changes) ?? []
    expect(changes.filter((change) => change.type === 'insert').map((change) => change.content)).toEqual([
      'print("Agent Ops")',
    ])
  })

  it('rewrites a plain unified diff (no a/ b/ prefixes) for the viewer', () => {
    const plain = '--- notes.txt\n+++ notes.txt\n@@ -1 +1 @@\n-hello\n+goodbye\n'
    const [file] = parseDiff(toGitPatch('notes.txt', plain))
    expect(file?.newPath).toBe('notes.txt')
    expect(file?.hunks).toHaveLength(1)
  })
})

describe('session changes', () => {
  const edit = tool('edit', {
    filePath: '/w/workspace/demo/hello.py',
    oldString: 'world',
    newString: 'Agent Ops',
  })

  it('builds the list from completed edits when the agent reported none', () => {
    const running = tool(
      'edit',
      { filePath: '/w/workspace/x.py', oldString: 'a', newString: 'b' },
      { status: 'running' },
    )
    const { source, files } = sessionChanges([], [edit, running])
    expect(source).toBe('edits')
    expect(files).toMatchObject([{ path: 'demo/hello.py', additions: 1, deletions: 1 }])
    expect(files[0]?.patches).toHaveLength(1)
  })

  it('prefers the reported list and its patches', () => {
    const reported = [{ path: 'demo/hello.py', additions: 3, deletions: 2, patch: '@@ -1 +1 @@\n-a\n+b\n' }]
    const { source, files } = sessionChanges(reported, [edit])
    expect(source).toBe('reported')
    expect(files).toMatchObject([{ path: 'demo/hello.py', additions: 3, deletions: 2 }])
    expect(files[0]?.patches[0]).toContain('diff --git a/demo/hello.py b/demo/hello.py')
  })
})
