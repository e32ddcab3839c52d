/** The browser panel's status line, as a pure function of its connection state. */
export type BrowserConnection =
  | { state: 'connecting' }
  | { state: 'connected'; viewOnly: boolean }
  | { state: 'retrying'; seconds: number }
  | { state: 'forbidden' }
  | { state: 'expired' }

export function browserStatusText(connection: BrowserConnection): string {
  switch (connection.state) {
    case 'connecting':
      return 'Connecting to the browser…'
    case 'connected':
      return connection.viewOnly ? 'Connected · view only' : 'Connected'
    case 'retrying':
      return `Disconnected — retrying in ${Math.max(1, Math.ceil(connection.seconds))}s`
    case 'forbidden':
      return "You can't open this browser."
    case 'expired':
      return 'Your access to this browser has expired. Reopen the Browser tab.'
  }
}

/** `?view=1`: watch only (viewers; the gateway enforces it too). */
export function viewOnlyFromQuery(search: string): boolean {
  return new URLSearchParams(search).get('view') === '1'
}
