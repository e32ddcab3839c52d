import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Limits } from '@agent-ops/protocol'
import { ApiError, createClient } from '@agent-ops/sdk'
import { type RunningServer, serve } from '@agent-ops/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { adminToken } from './harness.ts'

// A server with no model provider: enough for everything that never reaches a sandbox.
let server: RunningServer
let dataDir: string
const auth = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'aops-api-'))
  // Not about isolation: the local provider (health reports isolation "none").
  server = await serve({ port: 0, dataDir, adminToken, logLevel: 'silent', unsafeNoIsolation: true })
})
afterAll(async () => {
  await server?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

async function call(path: string, init: RequestInit = {}) {
  const response = await fetch(`${server.url}${path}`, init)
  const body = (await response.json()) as { error?: { code: string; message: string } }
  return { status: response.status, body }
}

describe('bad input gets the right 4xx with a clear message', () => {
  it('malformed JSON', async () => {
    const r = await call('/api/sessions', { method: 'POST', headers: auth, body: '{"prompt": ' })
    expect(r).toEqual({
      status: 400,
      body: { error: { code: 'invalid_json', message: 'the request body is not valid JSON' } },
    })
  })

  it('missing, empty, unknown and wrongly typed fields', async () => {
    const empty = await call('/api/sessions', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ prompt: '   ' }),
    })
    expect(empty.status).toBe(400)
    expect(empty.body.error).toEqual({
      code: 'validation_failed',
      message: 'prompt: prompt must not be empty',
    })
    const unknown = await call('/api/sessions', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ prompt: 'x', colour: 'red' }),
    })
    expect(unknown.body.error?.message).toBe('unknown field colour')
    const badModel = await call('/api/sessions', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ prompt: 'x', model: 'gpt' }),
    })
    expect(badModel.body.error?.message).toMatch(/model must look like "provider\/model"/)
    const badMode = await call('/api/sessions/x/messages', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ text: 'x', mode: 'now' }),
    })
    expect(badMode.status).toBe(400)
    expect(badMode.body.error?.message).toMatch(/^mode:/)
  })

  it('an oversized prompt, and an oversized body', async () => {
    const long = await call('/api/sessions', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ prompt: 'x'.repeat(Limits.promptMaxChars + 1) }),
    })
    expect(long.status).toBe(400)
    expect(long.body.error?.message).toBe(`prompt: prompt is longer than ${Limits.promptMaxChars} characters`)
    const huge = await call('/api/sessions', {
      method: 'POST',
      headers: { ...auth, connection: 'close' },
      body: JSON.stringify({ prompt: 'x'.repeat(Limits.requestBodyMaxBytes + 10) }),
    })
    expect(huge.status).toBe(413)
    expect(huge.body.error?.code).toBe('payload_too_large')
  })

  it('an unknown session or route', async () => {
    for (const [method, path] of [
      ['GET', '/api/sessions/ses_nope'],
      ['DELETE', '/api/sessions/ses_nope'],
      ['POST', '/api/sessions/ses_nope/abort'],
      ['GET', '/api/sessions/ses_nope/events'],
    ] as const) {
      const r = await call(path, { method, headers: auth })
      expect(r, `${method} ${path}`).toEqual({
        status: 404,
        body: { error: { code: 'not_found', message: 'session ses_nope not found' } },
      })
    }
    const send = await call('/api/sessions/ses_nope/messages', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ text: 'hi' }),
    })
    expect(send.status).toBe(404)
    const route = await call('/api/nothing-here', { headers: auth })
    expect(route).toEqual({
      status: 404,
      body: { error: { code: 'not_found', message: 'no such API route: GET /api/nothing-here' } },
    })
  })

  it('a missing or wrong token, on every route, mutations included', async () => {
    const routes = [
      ['GET', '/api/sessions'],
      ['POST', '/api/sessions'],
      ['GET', '/api/sessions/x'],
      ['DELETE', '/api/sessions/x'],
      ['POST', '/api/sessions/x/messages'],
      ['POST', '/api/sessions/x/abort'],
      ['GET', '/api/sessions/x/events'],
      ['GET', '/api/models'],
    ] as const
    for (const [method, path] of routes) {
      const none = await call(path, { method, body: method === 'POST' ? '{}' : undefined })
      expect(none.status, `${method} ${path} without token`).toBe(401)
      expect(none.body.error?.message).toMatch(/missing credentials/)
      const wrong = await call(path, { method, headers: { authorization: `Bearer ${adminToken}x` } })
      expect(wrong, `${method} ${path} with a wrong token`).toEqual({
        status: 401,
        body: { error: { code: 'unauthorized', message: 'invalid token' } },
      })
    }
    const runner = await fetch(`${server.url}/internal/runner`, {
      headers: { authorization: `Bearer ${adminToken}` },
    })
    expect(runner.status).toBe(401)
  })

  it('creating a session with no provider configured says what to set', async () => {
    const client = createClient({ baseUrl: server.url, token: adminToken })
    const error = await client.sessions.create({ prompt: 'hi' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ status: 400, code: 'no_provider' })
    expect((error as ApiError).message).toMatch(
      /ANTHROPIC_API_KEY.*OPENAI_API_KEY.*AGENT_OPS_OPENAI_COMPATIBLE_URL/,
    )
    // Nothing was stored.
    expect((await client.sessions.list()).sessions).toEqual([])
  })
})

describe('public endpoints', () => {
  it('health needs no token', async () => {
    const r = await call('/api/health')
    expect(r).toEqual({
      status: 200,
      body: { status: 'ok', version: '0.1.0', isolation: 'none', database: 'sqlite' },
    })
  })

  it('the OpenAPI document describes every route from the same schemas', async () => {
    const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { operationId?: string }>>
      components: { schemas: Record<string, unknown> }
    }
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`),
    )
    expect(operations.sort()).toEqual([
      'DELETE /api/sessions/{id} session.stop',
      'GET /api/health health.get',
      'GET /api/models model.list',
      'GET /api/sessions session.list',
      'GET /api/sessions/{id} session.get',
      'GET /api/sessions/{id}/events session.events',
      'POST /api/sessions session.create',
      'POST /api/sessions/{id}/abort session.abort',
      'POST /api/sessions/{id}/messages session.send',
    ])
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        'Session',
        'CreateSessionInput',
        'SendMessageInput',
        'SessionEvent',
        'ApiError',
        'ModelList',
      ]),
    )
  })
})
