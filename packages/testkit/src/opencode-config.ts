// OpenCode config that points OpenCode at a scripted model. Every key was checked against OpenCode
// 1.18's config schema (GET /doc -> components.schemas.Config).
import type { ScriptedModel } from './server.ts'

export type ScriptedModelConfigOptions = {
  /** Which wire protocol OpenCode speaks to the model; both are served by the same scripted model. */
  api?: 'openai' | 'anthropic'
  /** API key OpenCode sends (Authorization: Bearer for openai, x-api-key for anthropic). */
  apiKey?: string
  /** Provider id in OpenCode; the model is `${providerId}/${model.modelId}`. */
  providerId?: string
}

/** Config with the scripted model as the only, default and small model, and tools allowed to run unasked. */
export function scriptedModelConfig(
  model: Pick<ScriptedModel, 'openaiBaseUrl' | 'anthropicBaseUrl' | 'modelId'>,
  opts: ScriptedModelConfigOptions = {},
): Record<string, unknown> {
  const providerId = opts.providerId ?? 'testkit'
  const api = opts.api ?? 'openai'
  return {
    $schema: 'https://opencode.ai/config.json',
    autoupdate: false,
    share: 'disabled',
    provider: {
      [providerId]: {
        // Both AI SDK providers ship inside the opencode binary: nothing is installed at start-up.
        npm: api === 'openai' ? '@ai-sdk/openai-compatible' : '@ai-sdk/anthropic',
        name: 'Testkit',
        options: {
          baseURL: api === 'openai' ? model.openaiBaseUrl : model.anthropicBaseUrl,
          apiKey: opts.apiKey ?? 'testkit-key',
        },
        models: { [model.modelId]: { name: 'Scripted model' } },
      },
    },
    model: `${providerId}/${model.modelId}`,
    small_model: `${providerId}/${model.modelId}`,
    permission: { bash: 'allow', edit: 'allow', external_directory: 'allow', doom_loop: 'allow' },
  }
}
