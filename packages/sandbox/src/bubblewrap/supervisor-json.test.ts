import { execFileSync } from 'node:child_process'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const here = dirname(fileURLToPath(import.meta.url))

/**
 * supervisor.parse_json on each input, in an interpreter where nothing imported json before (as in a sandbox's
 * start): its value, or the type of the error it raised.
 */
function parse(inputs: string[]): unknown[] {
  const script = `
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
import supervisor
out = []
for text in sys.argv[2:]:
    try:
        out.append({'value': supervisor.parse_json(text)})
    except Exception as error:
        out.append({'error': 'ValueError' if isinstance(error, ValueError) else type(error).__name__})
import json
print(json.dumps(out))
`
  return JSON.parse(
    execFileSync('/usr/bin/python3', ['-I', '-S', '-c', script, here, ...inputs], { encoding: 'utf8' }),
  )
}

describe('supervisor: reading JSON without the json module', () => {
  it('reads the spec and bubblewrap’s report as json.loads does', () => {
    const spec = { uid: 900001, binds: [{ src: '/usr', dest: '/usr', ro: true }], name: 'é\n"x"', n: -2.5 }
    expect(parse([JSON.stringify(spec), '{\n    "child-pid": 42\n}\n'])).toEqual([
      { value: spec },
      { value: { 'child-pid': 42 } },
    ])
  })
  it('reports a cut or trailing document as a ValueError, which the report loop reads on after', () => {
    // bubblewrap writes its report in parts: the first one read alone is cut after a value.
    expect(parse(['{\n    "child-pid": 42', '{"child-pid": ', '{"a": 1} {', ''])).toEqual([
      { error: 'ValueError' },
      { error: 'ValueError' },
      { error: 'ValueError' },
      { error: 'ValueError' },
    ])
  })
  it('loads without json, re or enum (~20 ms of a start that waits for it)', () => {
    const loaded = execFileSync(
      '/usr/bin/python3',
      [
        '-I',
        '-S',
        '-c',
        "import sys; sys.dont_write_bytecode = True; sys.path.insert(0, sys.argv[1]); import supervisor; print(' '.join(m for m in ('json', 're', 'enum', 'signal') if m in sys.modules))",
        here,
      ],
      { encoding: 'utf8' },
    )
    expect(loaded.trim()).toBe('')
  })
})
