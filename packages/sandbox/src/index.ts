export { LocalProvider, type LocalProviderOptions } from './local/local-provider.ts'
export * from './provider.ts'
