import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Limits } from '@agent-ops/protocol'
import { ApiError, createClient } from '@agent-ops/sdk'
import { type RunningServer, serve } from '@agent-ops/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bootstrapOwner } from './harness.ts'

// A server with no model provider: enough for everything that never reaches a sandbox.
let server: RunningServer
let dataDir: string
/** The owner's API key (every scope). */
let token: string
let auth: Record<string, string>

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'aops-api-'))
  // Not about isolation: the local provider (health reports isolation "none").
  server = await serve({ port: 0, dataDir, logLevel: 'silent', unsafeNoIsolation: true })
  ;({ token } = await bootstrapOwner(server.url))
  auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
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
    const badScope = await call('/api/keys', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'x', scopes: ['root'], expiresInDays: 30 }),
    })
    expect(badScope.status).toBe(400)
    expect(badScope.body.error?.message).toMatch(/^scopes\.0:/)
    // Access is decided before the body is read: a session the caller cannot see is not found, whatever is sent.
    const badMode = await call('/api/sessions/x/messages', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ text: 'x', mode: 'now' }),
    })
    expect(badMode.status).toBe(404)
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
      ['GET', '/api/sessions/ses_nope/log'],
      ['GET', '/api/sessions/ses_nope/timeline'],
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

  it('missing or invalid credentials, on every authenticated route, mutations included', async () => {
    // Every operation the OpenAPI document says needs credentials, with its path parameters filled in.
    const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as OpenApiDoc
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.security?.length)
        .map(([method]) => [method.toUpperCase(), path.replace(/\{[^}]+\}/g, 'x')] as const),
    )
    expect(routes.length).toBeGreaterThan(30)
    const mutation = (method: string) => method !== 'GET'
    // Signed out, as the app's own page would send it (the CSRF check wants the app's origin on changes).
    const origin = new URL(server.url).origin
    for (const [method, path] of routes) {
      const body = mutation(method) ? '{}' : undefined
      const none = await call(path, { method, body, headers: { origin } })
      expect(none, `${method} ${path} without credentials`).toEqual({
        status: 401,
        body: {
          error: {
            code: 'unauthorized',
            message: 'sign in, or send an API key as "Authorization: Bearer <key>"',
          },
        },
      })
      const wrong = await call(path, { method, body, headers: { authorization: `Bearer ${token}x` } })
      expect(wrong, `${method} ${path} with a wrong key`).toEqual({
        status: 401,
        body: { error: { code: 'unauthorized', message: 'invalid, expired or revoked credentials' } },
      })
    }
    // An API key is not a runner's session token.
    const runner = await fetch(`${server.url}/internal/runner`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(runner.status).toBe(401)
  })

  it('a malformed Authorization header, an unknown key and a revoked key', async () => {
    for (const authorization of ['Basic YWRtaW46cGFzc3dvcmQ=', 'Bearer', 'Bearer two words', token]) {
      const r = await call('/api/sessions', { headers: { authorization } })
      expect(r.status, authorization).toBe(401)
      expect(r.body.error?.code).toBe('unauthorized')
      expect(r.body.error?.message).toMatch(/credentials|Bearer/)
    }
    // Well-formed but never issued (or issued by another server: keys are keyed to the server's secret).
    const unknown = await call('/api/me', {
      headers: { authorization: `Bearer aops_key_${'A'.repeat(43)}` },
    })
    expect(unknown).toEqual({
      status: 401,
      body: { error: { code: 'unauthorized', message: 'invalid, expired or revoked credentials' } },
    })

    const owner = createClient({ baseUrl: server.url, token })
    const created = await owner.keys.create({ name: 'short-lived', scopes: ['read'], expiresInDays: 1 })
    const shortLived = createClient({ baseUrl: server.url, token: created.key })
    expect((await shortLived.me()).user.email).toBe('admin@example.test')
    await owner.keys.revoke(created.id)
    const error = await shortLived.me().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ status: 401, code: 'unauthorized' })
  })

  it('creating a session with no provider configured says what to set', async () => {
    const client = createClient({ baseUrl: server.url, token })
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
    const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as OpenApiDoc
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`),
    )
    expect(operations).toEqual(
      expect.arrayContaining([
        'DELETE /api/sessions/{id} session.stop',
        'GET /api/health health.get',
        'GET /api/models model.list',
        'GET /api/sessions session.list',
        'GET /api/sessions/{id} session.get',
        'GET /api/sessions/{id}/events session.events',
        'GET /api/sessions/{id}/log session.log',
        'POST /api/sessions session.create',
        'POST /api/sessions/{id}/abort session.abort',
        'POST /api/sessions/{id}/messages session.send',
        'GET /api/me me.get',
        'GET /api/keys apiKey.list',
        'POST /api/keys apiKey.create',
        'DELETE /api/keys/{keyId} apiKey.revoke',
        'GET /api/org/members org.members',
        'POST /api/org/invites org.invite',
        'GET /api/audit audit.list',
        'PATCH /api/sessions/{id} session.update',
        'POST /api/sessions/{id}/share-links session.createShareLink',
      ]),
    )
    // Every operation is named, once.
    const ids = operations.map((o) => o.split(' ')[2])
    expect(ids).not.toContain('undefined')
    expect(new Set(ids).size).toBe(ids.length)
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        'Session',
        'CreateSessionInput',
        'SendMessageInput',
        'SessionEvent',
        'SessionLog',
        'ApiError',
        'ModelList',
        'Me',
        'CreatedApiKey',
      ]),
    )
  })
})

type OpenApiDoc = {
  paths: Record<string, Record<string, { operationId?: string; security?: unknown[] }>>
  components: { schemas: Record<string, unknown> }
}
