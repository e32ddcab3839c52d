import { execFileSync } from 'node:child_process'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const here = dirname(fileURLToPath(import.meta.url))

/**
 * Starts bubblewrap as the sandboxes' uid layout does (`--disable-userns`, uid 1000 inside), `runs` times; each
 * time, once its report names the sandbox's pid, calls supervisor.wait_for_last_userns and reads the uid that pid's
 * user namespace maps (what a process joining it with `exec` would be).
 */
function uidsAfterWait(runs: number): string[] {
  const script = `
import json, os, subprocess, sys
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
import supervisor
out = []
for _ in range(int(sys.argv[2])):
    r, w = os.pipe()
    p = subprocess.Popen(['setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups', 'bwrap',
                          '--unshare-all', '--unshare-user', '--disable-userns', '--uid', '1000', '--gid', '1000',
                          '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', '--info-fd', str(w),
                          'sleep', '1'], pass_fds=(w,))
    os.close(w)
    raw = b''
    while not raw.rstrip().endswith(b'}'):
        chunk = os.read(r, 4096)
        if not chunk:
            sys.exit('bubblewrap exited before reporting its pid')
        raw += chunk
    os.close(r)
    pid = json.loads(raw)['child-pid']
    supervisor.wait_for_last_userns(pid)
    with open(f'/proc/{pid}/uid_map') as mapping:
        out.append((mapping.read().split() or ['none'])[0])
    # The sandbox's pid 1 too: killed while setting up, bubblewrap would leave it waiting for it.
    for victim in (pid, p.pid):
        try:
            os.kill(victim, 9)
        except ProcessLookupError:
            pass
    p.wait()
print(json.dumps(out))
`
  return JSON.parse(
    execFileSync('/usr/bin/python3', ['-I', '-S', '-c', script, here, String(runs)], { encoding: 'utf8' }),
  )
}

describe('supervisor: the sandbox is up once its user namespace is its last one (as root)', () => {
  it('reports the pid only once the session uid is mapped there, not before (no uid yet, or 0)', () => {
    // Read at once after bubblewrap's report, the map is mostly empty, sometimes 0 (28 of 30 runs here).
    expect(uidsAfterWait(20)).toEqual(Array(20).fill('1000'))
  })
})
