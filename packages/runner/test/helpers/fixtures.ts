// Real OpenCode payloads (see the header line of each scenario in fixtures/opencode-events.jsonl).
import { readFileSync } from 'node:fs'
import type { Event } from '@opencode-ai/sdk/v2/client'
import type { OpencodeMessage } from '../../src/opencode-client.ts'

export type Scenario = { sessionID: string; events: Event[]; messages: OpencodeMessage[] }
export type ScenarioName =
  | 'toolsAndText'
  | 'reasoningPermissionDiff'
  | 'abortAndRetry'
  | 'questionRejected'
  | 'apiError'

type Line = { scenario: ScenarioName; sessionID?: string; event?: Event; messages?: OpencodeMessage[] }

let cache: Map<ScenarioName, Scenario> | undefined

export function scenario(name: ScenarioName): Scenario {
  if (!cache) {
    cache = new Map()
    const text = readFileSync(new URL('../fixtures/opencode-events.jsonl', import.meta.url), 'utf8')
    for (const raw of text.split('\n')) {
      if (!raw.trim()) continue
      const line = JSON.parse(raw) as Line
      let entry = cache.get(line.scenario)
      if (!entry) {
        entry = { sessionID: '', events: [], messages: [] }
        cache.set(line.scenario, entry)
      }
      if (line.sessionID) entry.sessionID = line.sessionID
      if (line.event) entry.events.push(line.event)
      if (line.messages) entry.messages = line.messages
    }
  }
  const found = cache.get(name)
  if (!found) throw new Error(`no fixture scenario ${name}`)
  // Fresh copies: the bridge must not depend on payloads being shared.
  return structuredClone(found)
}
