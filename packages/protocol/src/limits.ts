/** Input limits shared by the server (enforced) and clients (shown before sending). */
export const Limits = {
  promptMaxChars: 100_000,
  titleMaxChars: 200,
  /** Request bodies above this are refused before parsing. */
  requestBodyMaxBytes: 1_048_576,
  sessionListMax: 200,
} as const
