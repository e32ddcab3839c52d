import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { configPath, defaultUrl, readConfig, resolveConnection, writeConfig } from './config.ts'
import { CliError } from './errors.ts'

const dirs: string[] = []
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
})

describe('config', () => {
  it('lives under XDG_CONFIG_HOME, else ~/.config', () => {
    expect(configPath({ XDG_CONFIG_HOME: '/x' })).toBe('/x/agent-ops/config.json')
    expect(configPath({ HOME: '/home/me' })).toBe('/home/me/.config/agent-ops/config.json')
  })

  it('is written readable by its owner only and read back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agent-ops-cli-'))
    dirs.push(dir)
    const path = configPath({ XDG_CONFIG_HOME: dir })
    expect(await readConfig(path)).toEqual({})
    await writeConfig(path, { url: 'http://127.0.0.1:9', token: 'secret' })
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect(await readConfig(path)).toEqual({ url: 'http://127.0.0.1:9', token: 'secret' })
    await writeFile(path, '{oops')
    await expect(readConfig(path)).rejects.toBeInstanceOf(CliError)
  })

  it('resolves URL and token by precedence', () => {
    const saved = { url: 'http://ops.example.com/', token: 'saved' }
    expect(resolveConnection(undefined, {}, {})).toEqual({ url: defaultUrl, token: undefined })
    expect(resolveConnection(undefined, {}, saved)).toEqual({
      url: 'http://ops.example.com',
      token: 'saved',
      tokenSource: 'config',
    })
    expect(resolveConnection(undefined, { AGENT_OPS_TOKEN: 'env' }, saved)).toMatchObject({
      token: 'env',
      tokenSource: 'env',
    })
    expect(resolveConnection('http://other:1', { AGENT_OPS_URL: 'http://env:2' }, saved).url).toBe(
      'http://other:1',
    )
    // A saved token is never sent to a different server.
    expect(resolveConnection('http://other:1', {}, saved).token).toBeUndefined()
    expect(() => resolveConnection('ftp://x', {}, {})).toThrow(CliError)
  })
})
