export { type PasswordCredentials, signInWithPassword } from './auth.ts'
export { type Client, type ClientOptions, createClient } from './client.ts'
export { ApiError, ConnectionError, InvalidResponseError } from './errors.ts'
export { type EventStreamOptions, reconnectDelayMs } from './events.ts'
