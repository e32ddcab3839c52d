// Dependency boundaries (ARCHITECTURE.md "Layout"), enforced by reading the imports of every source file.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory())
      return entry.name === 'node_modules' || entry.name === 'dist' ? [] : sourceFiles(path)
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [path] : []
  })
}

function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8')
  return [
    ...text.matchAll(
      /(?:^|\n)\s*(?:import|export)[^'"`;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
    ),
  ].map((m) => m[1] ?? m[2]!)
}

/** Files of `dir` that import a module matching `forbidden`, as "file -> module". */
function violations(dir: string, forbidden: RegExp, except: (file: string) => boolean = () => false) {
  return sourceFiles(dir)
    .filter((file) => !except(file))
    .flatMap((file) =>
      importsOf(file)
        .filter((m) => forbidden.test(m))
        .map((m) => `${relative(root, join(root, file))} -> ${m}`),
    )
}

const product = ['protocol', 'sdk', 'sandbox', 'runner', 'server', 'cli', 'client'].map(
  (p) => `packages/${p}/src`,
)

describe('dependency boundaries', () => {
  it('finds the imports it checks (the checker itself works)', () => {
    expect(importsOf('packages/server/src/server.ts')).toContain('@agent-ops/sandbox')
  })

  it('product code never imports the testkit', () => {
    for (const dir of product) expect(violations(dir, /@agent-ops\/testkit/)).toEqual([])
  })

  it('the protocol has no I/O and no dependency but zod', () => {
    expect(violations('packages/protocol/src', /^(?!zod$|\.)/)).toEqual([])
  })

  it('the client and the CLI use the public API only (protocol + sdk)', () => {
    // The protocol's zod-free parts (/vocabulary, /timeline) count as the protocol.
    expect(violations('packages/client/src', /@agent-ops\/(?!protocol(\/|$)|sdk$)/)).toEqual([])
    // `agent-ops serve` starts the server in-process; nothing else in the CLI touches it.
    expect(
      violations('packages/cli/src', /@agent-ops\/(?!protocol(\/|$)|sdk$)/, (f) =>
        f.endsWith('commands/serve.ts'),
      ),
    ).toEqual([])
  })

  it('the runner depends on the protocol only', () => {
    expect(violations('packages/runner/src', /@agent-ops\/(?!protocol$)/)).toEqual([])
  })

  it('only the data layer opens the database', () => {
    expect(
      violations('packages/server/src', /^better-sqlite3$/, (f) => f.startsWith('packages/server/src/db/')),
    ).toEqual([])
  })
})
