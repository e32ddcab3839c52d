export * from './provider.ts'
export { LocalProvider, type LocalProviderOptions } from './local/local-provider.ts'
