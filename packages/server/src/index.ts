export { serve, version, type RunningServer } from './server.ts'
export { loadConfig, ConfigError, configEnvNames, type Config, type ConfigInput } from './config.ts'
