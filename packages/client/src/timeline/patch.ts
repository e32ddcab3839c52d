import { createTwoFilesPatch } from 'diff'

/**
 * A unified diff in the git form the diff viewer's parser expects (`diff --git a/... b/...` with `a/` and `b/`
 * prefixes). Agents report plain unified diffs (`Index:` headers, bare paths); those are rewritten.
 */
export function toGitPatch(path: string, patch: string): string {
  const lines = patch.split('\n').filter((line) => !line.startsWith('Index: ') && !/^={10,}$/.test(line))
  const body: string[] = []
  let sawHeader = false
  for (const line of lines) {
    if (line.startsWith('diff --git ')) continue
    if (line.startsWith('--- ')) {
      sawHeader = true
      body.push(line.startsWith('--- /dev/null') ? line : `--- a/${path}`)
    } else if (line.startsWith('+++ ')) body.push(line.startsWith('+++ /dev/null') ? line : `+++ b/${path}`)
    else body.push(line)
  }
  const header = sawHeader ? [] : [`--- a/${path}`, `+++ b/${path}`]
  return [`diff --git a/${path} b/${path}`, ...header, ...body].join('\n')
}

/** The diff between two versions of a file, with three lines of context. */
export function patchOf(path: string, before: string, after: string): string {
  return toGitPatch(path, createTwoFilesPatch(path, path, before, after, '', '', { context: 3 }))
}
