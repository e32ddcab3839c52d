import { z } from 'zod'

/**
 * The dev environment's panels (terminal, VS Code, browser, forwarded ports) and the services behind them.
 * Three parties share these shapes: the runner (which starts the services inside the sandbox and serves them
 * on its panel socket), the server's gateway (which proxies a sandbox origin to that socket) and the client.
 */

/** The services the runner starts lazily, when a panel first opens or the agent first needs them. */
export const PanelServiceName = z.enum(['terminal', 'vscode', 'browser'])
export type PanelServiceName = z.output<typeof PanelServiceName>

/** What a panel token can open: a service, or a port a process inside the sandbox listens on. */
export const PanelKind = z.enum(['terminal', 'vscode', 'browser', 'port'])
export type PanelKind = z.output<typeof PanelKind>

export const PanelServiceState = z.enum(['stopped', 'starting', 'running', 'stopping', 'failed'])
export type PanelServiceState = z.output<typeof PanelServiceState>

export const PanelService = z
  .object({
    name: PanelServiceName,
    state: PanelServiceState,
    /** While starting: the step under way, for people ("Starting the display", "Starting Chromium"). */
    step: z.string().optional(),
    /** Why it failed, when `state` is `failed`. */
    error: z.string().optional(),
    /** Resident memory of the service's processes (its whole process tree), in bytes. */
    rssBytes: z.number().int().nonnegative(),
    startedAt: z.string().optional(),
    lastUsedAt: z.string().optional(),
  })
  .meta({ id: 'PanelService' })
export type PanelService = z.output<typeof PanelService>

/** `GET /api/sessions/:id/panels`: the session's services and its memory use per service. */
export const PanelServices = z
  .object({
    services: z.array(PanelService),
    /** The agent (OpenCode and its children) and the runner, for comparison. */
    agentRssBytes: z.number().int().nonnegative(),
    runnerRssBytes: z.number().int().nonnegative(),
  })
  .meta({ id: 'PanelServices' })
export type PanelServices = z.output<typeof PanelServices>

/** Full: read and write (owner, collaborators). View: watch only (viewers: the browser panel, view-only). */
export const PanelAccess = z.enum(['full', 'view'])
export type PanelAccess = z.output<typeof PanelAccess>

export const PanelTokenInput = z
  .object({
    /** Required for the `port` panel: the port a process inside the sandbox listens on. */
    port: z.number().int().min(1).max(65_535).optional(),
  })
  .strict()
  .meta({ id: 'PanelTokenInput' })
export type PanelTokenInput = z.input<typeof PanelTokenInput>

/**
 * `POST /api/sessions/:id/panels/:panel/token`: a short-lived, single-use token bound to the session, the user
 * and the panel. The client POSTs it (form field `token`, optional `next`) to `exchangeUrl` on the sandbox
 * origin, which answers with an HttpOnly cookie for that origin and a redirect to `path`. The token never
 * appears in a URL.
 */
export const PanelToken = z
  .object({
    token: z.string(),
    /** The session's sandbox origin, e.g. `http://ses-0abc.sandbox.localhost:8787`. */
    origin: z.string(),
    exchangeUrl: z.string(),
    /** Where the panel lives on that origin, e.g. `/vscode/` or `/port/3000/`. */
    path: z.string(),
    access: PanelAccess,
    expiresAt: z.string(),
  })
  .meta({ id: 'PanelToken' })
export type PanelToken = z.output<typeof PanelToken>

/** Path of the token exchange on every sandbox origin. */
export const panelExchangePath = '/_agent-ops/exchange'

/** Where each panel lives on the sandbox origin. */
export function panelPath(panel: PanelKind, port?: number): string {
  return panel === 'port' ? `/port/${port}/` : `/${panel}/`
}

/**
 * The terminal's WebSocket (`/terminal/ws/<terminalId>?cols=&rows=` on the sandbox origin), JSON text frames.
 * On connect the runner first sends the terminal's scrollback as one `output` frame, so a reconnect loses nothing.
 */
export const TerminalClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('input'), data: z.string().max(1_000_000) }),
  z.object({
    type: z.literal('resize'),
    cols: z.number().int().min(1).max(1000),
    rows: z.number().int().min(1).max(1000),
  }),
])
export type TerminalClientMessage = z.output<typeof TerminalClientMessage>

export const TerminalServerMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('output'), data: z.string() }),
  z.object({ type: z.literal('exit'), code: z.number().int().nullable() }),
])
export type TerminalServerMessage = z.output<typeof TerminalServerMessage>

/** Terminal ids are chosen by the client: short, URL-safe. */
export const TerminalId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,32}$/, 'terminal ids are 1-32 letters, digits, - or _')

/**
 * Header the gateway sets on every request it forwards to the runner's panel socket (after dropping any copy
 * the browser sent): the access the caller's role grants.
 */
export const panelAccessHeader = 'x-agent-ops-access'
