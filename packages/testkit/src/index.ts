export { demoScript } from './demo-script.ts'
export {
  type GitHubEndpoint,
  type GitHubOAuth,
  type GitHubOAuthOptions,
  type GitHubUser,
  type GitHubUserOptions,
  startGitHubOAuth,
} from './oauth/github.ts'
export {
  type GoogleEndpoint,
  type GoogleOAuth,
  type GoogleOAuthOptions,
  type GoogleUser,
  type GoogleUserOptions,
  startGoogleOAuth,
} from './oauth/google.ts'
export type { Authorization, OAuthServerOptions } from './oauth/shared.ts'
export { type OpenCodeOptions, type RunningOpenCode, startOpenCode } from './opencode.ts'
export { type ScriptedModelConfigOptions, scriptedModelConfig } from './opencode-config.ts'
export type { Exchange, Script, Step, ToolCall } from './script.ts'
export {
  type RecordedRequest,
  type ScriptedModel,
  type ScriptedModelOptions,
  startScriptedModel,
} from './server.ts'
