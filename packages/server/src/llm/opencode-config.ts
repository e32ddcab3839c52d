import type { ModelList } from '@agent-ops/protocol'
import type { LlmProvider } from './providers.ts'

/**
 * The model-provider part of OpenCode's configuration inside a sandbox: every provider points at this server's
 * LLM proxy and authenticates with the session's LLM token. No provider key is ever part of it.
 */
export function opencodeProviderConfig(opts: {
  providers: LlmProvider[]
  catalog: ModelList
  serverUrl: string
  llmToken: string
  model: string
}): Record<string, unknown> {
  const provider: Record<string, unknown> = {}
  for (const p of opts.providers) {
    const models = opts.catalog.models
      .filter((m) => m.provider === p.id)
      .map((m) => [m.id.slice(p.id.length + 1), { name: m.name }] as const)
    // Make sure the session's own model is declared even if the listing missed it.
    const [modelProvider, ...rest] = opts.model.split('/')
    if (modelProvider === p.id && !models.some(([id]) => id === rest.join('/')))
      models.push([rest.join('/'), { name: rest.join('/') }])
    provider[p.id] = {
      npm: p.opencodeNpm,
      name: p.id,
      options: { baseURL: `${opts.serverUrl}/llm/${p.id}`, apiKey: opts.llmToken },
      models: Object.fromEntries(models),
    }
  }
  return { provider, model: opts.model, small_model: opts.model }
}
