export { demoScript } from './demo-script.ts'
export { type OpenCodeOptions, type RunningOpenCode, startOpenCode } from './opencode.ts'
export { type ScriptedModelConfigOptions, scriptedModelConfig } from './opencode-config.ts'
export type { Exchange, Script, Step, ToolCall } from './script.ts'
export {
  type RecordedRequest,
  type ScriptedModel,
  type ScriptedModelOptions,
  startScriptedModel,
} from './server.ts'
