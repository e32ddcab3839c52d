import type { Model, ModelList, ProviderId } from '@agent-ops/protocol'
import type { Logger } from '../logger.ts'
import type { LlmProvider } from './providers.ts'

type ProviderModels = { models: Model[] } | { error: string }

const cacheTtlMs = 5 * 60_000
const fetchTimeoutMs = 5_000

/** Lists each configured provider's models from its own `/models` endpoint, cached for a few minutes. */
export class ModelCatalog {
  readonly #providers: LlmProvider[]
  readonly #defaultModel: string | undefined
  readonly #demo: boolean
  readonly #logger: Logger
  #cache: { at: number; value: Promise<ModelList> } | undefined

  constructor(opts: { providers: LlmProvider[]; defaultModel?: string; demo: boolean; logger: Logger }) {
    this.#providers = opts.providers
    this.#defaultModel = opts.defaultModel
    this.#demo = opts.demo
    this.#logger = opts.logger
  }

  get hasProviders(): boolean {
    return this.#providers.length > 0
  }

  provider(id: string): LlmProvider | undefined {
    return this.#providers.find((p) => p.id === id)
  }

  list(): Promise<ModelList> {
    if (!this.#cache || Date.now() - this.#cache.at > cacheTtlMs) {
      const value = this.#load()
      this.#cache = { at: Date.now(), value }
      // A failed listing is not cached for long: retry on the next request.
      void value.then((list) => {
        if (list.unavailable.length > 0 && this.#cache?.value === value) this.#cache = undefined
      })
    }
    return this.#cache.value
  }

  async #load(): Promise<ModelList> {
    const results = await Promise.all(
      this.#providers.map(async (p) => [p.id, await this.#fetchModels(p)] as const),
    )
    const models: Model[] = []
    const unavailable: ModelList['unavailable'] = []
    for (const [provider, result] of results) {
      if ('error' in result) unavailable.push({ provider, message: result.error })
      else models.push(...result.models)
    }
    const defaultModel = this.#defaultModel ?? models[0]?.id ?? null
    return { models, defaultModel, demo: this.#demo, unavailable }
  }

  async #fetchModels(p: LlmProvider): Promise<ProviderModels> {
    const headers: Record<string, string> = {}
    if (p.apiKey) {
      if (p.auth === 'bearer') headers.authorization = `Bearer ${p.apiKey}`
      else headers[p.auth] = p.apiKey
    }
    if (p.id === 'anthropic') headers['anthropic-version'] = '2023-06-01'
    try {
      const response = await fetch(`${p.baseUrl.replace(/\/$/, '')}/models`, {
        headers,
        signal: AbortSignal.timeout(fetchTimeoutMs),
      })
      if (!response.ok) return { error: `${p.id} answered ${response.status} when listing models` }
      const body = (await response.json()) as { data?: unknown[]; models?: unknown[] }
      return { models: parseModels(p.id, body) }
    } catch (error) {
      this.#logger.warn({ provider: p.id, err: String(error) }, 'cannot list models')
      return { error: `cannot reach ${p.id} to list models: ${(error as Error).message}` }
    }
  }
}

/** OpenAI/Anthropic/compatible answer `{data:[{id, display_name?}]}`; Google answers `{models:[{name:'models/x'}]}`. */
function parseModels(provider: ProviderId, body: { data?: unknown[]; models?: unknown[] }): Model[] {
  const items = (body.data ?? body.models ?? []) as Array<Record<string, unknown>>
  const models: Model[] = []
  for (const item of items) {
    const raw = typeof item.id === 'string' ? item.id : typeof item.name === 'string' ? item.name : undefined
    if (!raw) continue
    const id = raw.replace(/^models\//, '')
    const name =
      typeof item.display_name === 'string'
        ? item.display_name
        : typeof item.displayName === 'string'
          ? item.displayName
          : id
    models.push({ id: `${provider}/${id}`, provider, name })
  }
  return models
}
