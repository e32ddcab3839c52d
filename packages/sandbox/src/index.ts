export { BubblewrapProvider, type BubblewrapProviderOptions } from './bubblewrap/bubblewrap-provider.ts'
export {
  checkIsolation,
  describeMissing,
  type IsolationCheck,
  type IsolationReport,
} from './bubblewrap/capabilities.ts'
export { type CgroupLayout, type CgroupLimits, detectCgroups } from './bubblewrap/cgroups.ts'
export { type NetworkMode, proxyEnv } from './bubblewrap/sandbox-spec.ts'
export { LocalProvider, type LocalProviderOptions } from './local/local-provider.ts'
export * from './provider.ts'
