export { type Config, ConfigError, type ConfigInput, configEnvNames, loadConfig } from './config.ts'
export { type RunningServer, serve, version } from './server.ts'
