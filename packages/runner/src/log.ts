/**
 * JSON-lines logger on stderr (the provider appends the runner's stderr to `runner.log`). Every line passes
 * through redaction: the control token, OpenCode's password and the LLM proxy token never reach a log.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type LogFields = Record<string, unknown>

export type Logger = {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
  /** Adds a value that must never appear in a log line (e.g. a password generated later). */
  addSecret(secret: string): void
}

const REDACTED = '[redacted]'
/** Shorter strings are not treated as secrets: redacting them would mangle ordinary words. */
const MIN_SECRET_CHARS = 6

export type LoggerOptions = {
  secrets?: readonly string[]
  write?: (line: string) => void
  minLevel?: LogLevel
}

const levelRank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 }

export function createLogger(opts: LoggerOptions = {}): Logger {
  const secrets = new Set<string>()
  const write = opts.write ?? ((line: string) => process.stderr.write(line))
  const minRank = levelRank[opts.minLevel ?? 'debug']
  const addSecret = (secret: string) => {
    if (secret.length >= MIN_SECRET_CHARS) secrets.add(secret)
  }
  for (const secret of opts.secrets ?? []) addSecret(secret)

  const redact = (line: string) => {
    let out = line
    for (const secret of secrets) {
      if (out.includes(secret)) out = out.replaceAll(secret, REDACTED)
      // The JSON-escaped form too, in case the secret holds characters JSON escapes.
      const escaped = JSON.stringify(secret).slice(1, -1)
      if (escaped !== secret && out.includes(escaped)) out = out.replaceAll(escaped, REDACTED)
    }
    return out
  }

  const log = (level: LogLevel) => (msg: string, fields?: LogFields) => {
    if (levelRank[level] < minRank) return
    const entry = { time: new Date().toISOString(), level, msg, ...serializeFields(fields) }
    write(`${redact(JSON.stringify(entry))}\n`)
  }

  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    addSecret,
  }
}

function serializeFields(fields: LogFields | undefined): LogFields {
  if (!fields) return {}
  const out: LogFields = {}
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error ? { name: value.name, message: value.message } : value
  }
  return out
}

/** A logger that discards everything, for unit tests. */
export const silentLogger: Logger = createLogger({ write: () => {} })
