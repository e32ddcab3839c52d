import type { ProviderId } from '@agent-ops/protocol'
import type { Config } from '../config.ts'

/** A model provider the server holds a key for. The key never leaves the server. */
export type LlmProvider = {
  id: ProviderId
  /** Upstream base URL, e.g. https://api.anthropic.com/v1. */
  baseUrl: string
  apiKey: string | undefined
  /** How the provider expects its key; the proxy swaps the session token for the key in this header. */
  auth: 'bearer' | 'x-api-key' | 'x-goog-api-key'
  /** The npm package OpenCode loads for it (bundled with OpenCode). */
  opencodeNpm: string
}

/** The providers configured in this installation, in order of preference for the default model. */
export function configuredProviders(config: Config): LlmProvider[] {
  const providers: LlmProvider[] = []
  if (config.anthropicApiKey)
    providers.push({
      id: 'anthropic',
      baseUrl: config.anthropicBaseUrl,
      apiKey: config.anthropicApiKey,
      auth: 'x-api-key',
      opencodeNpm: '@ai-sdk/anthropic',
    })
  if (config.openaiApiKey)
    providers.push({
      id: 'openai',
      baseUrl: config.openaiBaseUrl,
      apiKey: config.openaiApiKey,
      auth: 'bearer',
      opencodeNpm: '@ai-sdk/openai',
    })
  if (config.googleApiKey)
    providers.push({
      id: 'google',
      baseUrl: config.googleBaseUrl,
      apiKey: config.googleApiKey,
      auth: 'x-goog-api-key',
      opencodeNpm: '@ai-sdk/google',
    })
  if (config.openaiCompatibleUrl)
    providers.push({
      id: 'openai-compatible',
      baseUrl: config.openaiCompatibleUrl,
      apiKey: config.openaiCompatibleKey,
      auth: 'bearer',
      opencodeNpm: '@ai-sdk/openai-compatible',
    })
  return providers
}

export const noProviderMessage =
  'No model provider is configured. Set ANTHROPIC_API_KEY, OPENAI_API_KEY, GOOGLE_GENERATIVE_AI_API_KEY or ' +
  'AGENT_OPS_OPENAI_COMPATIBLE_URL and restart the server (see docs/configuration.md), or try `npm run demo`.'
