import { createConnection, createServer, type Server } from 'node:net'

/**
 * Inside a bubblewrap sandbox the server is only reachable through the session's Unix socket. OpenCode speaks
 * HTTP over TCP to its model provider, so the runner forwards 127.0.0.1:PORT (the sandbox's own loopback) to
 * that socket, where the server's LLM proxy answers. Set by the provider as AGENT_OPS_LLM_FORWARD=PORT:SOCKET.
 */
export function parseLlmForward(value: string | undefined): { port: number; socketPath: string } | undefined {
  const match = value?.match(/^(\d{1,5}):(\/.+)$/)
  if (!match) return undefined
  return { port: Number(match[1]), socketPath: match[2]! }
}

export async function startLlmForward(port: number, socketPath: string): Promise<Server> {
  // No Nagle on the sandbox's side: the model's answer arrives as a stream of small writes (headers, then each
  // token), and Nagle held each one until the previous was acknowledged, which OpenCode's end delays by up to
  // 40 ms: added to every turn's first token.
  const server = createServer({ noDelay: true }, (client) => {
    const upstream = createConnection(socketPath)
    client.pipe(upstream).pipe(client)
    const close = () => {
      client.destroy()
      upstream.destroy()
    }
    client.once('error', close)
    upstream.once('error', close)
    client.once('close', close)
    upstream.once('close', close)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', resolve)
  })
  server.unref()
  return server
}
