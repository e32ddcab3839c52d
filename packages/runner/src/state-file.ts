import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'

/** `<stateDir>/runner-state.json`: what a restarted or resumed runner needs to keep the conversation. */
const RunnerState = z.object({ opencodeSessionId: z.string().min(1) })
export type RunnerState = z.output<typeof RunnerState>

export const runnerStatePath = (stateDir: string) => join(stateDir, 'runner-state.json')

export async function readRunnerState(stateDir: string): Promise<RunnerState | undefined> {
  const text = await readFile(runnerStatePath(stateDir), 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  try {
    const parsed = RunnerState.safeParse(JSON.parse(text))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

/** Written to a temporary file and renamed, so a crash never leaves half a file. */
export async function writeRunnerState(stateDir: string, state: RunnerState): Promise<void> {
  const path = runnerStatePath(stateDir)
  const temporary = `${path}.${process.pid}.tmp`
  await writeFile(temporary, JSON.stringify(state), { mode: 0o600 })
  await rename(temporary, path)
}
