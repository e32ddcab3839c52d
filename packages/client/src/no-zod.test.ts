import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

// zod, and the protocol's schemas built with it, stay out of the browser (api.ts): building them cost more than
// anything else in starting the app. This walks the app's static imports, through the workspace packages it uses,
// and fails on any chain that reaches zod. Type-only imports are erased; dynamic import() loads on demand.
const packagesDir = resolve(import.meta.dirname, '../..')

/** A workspace package's import specifier, resolved through its package.json exports. */
function resolveWorkspace(specifier: string): string | undefined {
  const match = /^@agent-ops\/([^/]+)(\/.*)?$/.exec(specifier)
  if (!match) return undefined
  const packageDir = join(packagesDir, match[1]!)
  const { exports } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    exports: Record<string, string>
  }
  const target = exports[`.${match[2] ?? ''}`]
  if (!target) throw new Error(`${specifier} is not exported by its package`)
  return join(packageDir, target)
}

/** The modules `file` imports statically for their values, as files; zod as 'zod'; other packages left out. */
function valueImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest)
  const found: string[] = []
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) && !ts.isExportDeclaration(statement)) continue
    const specifier = statement.moduleSpecifier
    if (!specifier || !ts.isStringLiteral(specifier)) continue
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause
      if (clause?.isTypeOnly) continue
      const named = clause?.namedBindings
      const onlyTypes =
        clause &&
        !clause.name &&
        named &&
        ts.isNamedImports(named) &&
        named.elements.every((e) => e.isTypeOnly)
      if (onlyTypes) continue
    } else if (statement.isTypeOnly) continue
    const name = specifier.text
    if (name === 'zod' || name.startsWith('zod/')) found.push('zod')
    else if (name.startsWith('.')) found.push(resolve(dirname(file), name))
    else {
      const workspace = resolveWorkspace(name)
      if (workspace) found.push(workspace)
    }
  }
  return found
}

/** The first chain of static value imports from `entry` that reaches zod, if any. */
function chainToZod(entry: string): string[] | undefined {
  const seen = new Set<string>()
  const walk = (file: string, chain: string[]): string[] | undefined => {
    if (file === 'zod') return [...chain, 'zod']
    if (seen.has(file) || !existsSync(file) || !/\.tsx?$/.test(file)) return undefined
    seen.add(file)
    for (const next of valueImports(file)) {
      const found = walk(next, [...chain, file.replace(`${packagesDir}/`, '')])
      if (found) return found
    }
    return undefined
  }
  return walk(entry, [])
}

function appSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return appSources(path)
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [path] : []
  })
}

describe('the browser loads no zod', () => {
  it('finds no chain of static value imports from any of the app’s modules to zod', () => {
    const sources = appSources(import.meta.dirname)
    expect(sources.length).toBeGreaterThan(50)
    const chains = sources.map(chainToZod).filter((chain) => chain !== undefined)
    expect(chains).toEqual([])
  })

  it('would notice one (the protocol index and the SDK schemas module build schemas)', () => {
    expect(chainToZod(join(packagesDir, 'protocol/src/index.ts'))?.at(-1)).toBe('zod')
    expect(chainToZod(join(packagesDir, 'sdk/src/index.ts'))).toBeUndefined()
  })
})
