import { afterEach, describe, expect, it, vi } from 'vitest'
import { firstRequests, sessionOfPage, sessionPath, sessionTimelinePath } from './page-requests.ts'
import { prefetch, prefetchingFetch, takePrefetched } from './prefetch.ts'

afterEach(() => vi.unstubAllGlobals())

describe('the first requests of a page', () => {
  it('knows the session a page opens', () => {
    expect(sessionOfPage('/sessions/ses_1')).toBe('ses_1')
    expect(sessionOfPage('/sessions/ses%201/')).toBe('ses 1')
    expect(sessionOfPage('/sessions/')).toBeUndefined()
    expect(sessionOfPage('/sessions/ses_1/extra')).toBeUndefined()
    expect(sessionOfPage('/sessions/%E0%A4%A')).toBeUndefined()
    expect(sessionOfPage('/')).toBeUndefined()
  })

  it('asks who is signed in, and on a session page for its record, at the paths the SDK reads', () => {
    expect(firstRequests('/')).toEqual(['/api/me'])
    expect(firstRequests('/sessions/ses%201')).toEqual(['/api/me', '/api/sessions/ses%201'])
    expect(sessionPath('a/b')).toBe('/api/sessions/a%2Fb')
    expect(sessionTimelinePath('a/b')).toBe('/api/sessions/a%2Fb/timeline')
  })
})

describe('prefetched answers', () => {
  function stubFetch() {
    const fetch = vi.fn(async (url: string | URL | Request) => new Response(`answer for ${String(url)}`))
    vi.stubGlobal('fetch', fetch)
    return fetch
  }
  const json = { headers: { accept: 'application/json' } }

  it('hands a prefetched answer to the first plain GET of its path, once', async () => {
    const fetch = stubFetch()
    prefetch('/api/one')
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(await (await prefetchingFetch('/api/one', json)).text()).toBe('answer for /api/one')
    expect(fetch).toHaveBeenCalledTimes(1)
    await prefetchingFetch('/api/one', json)
    expect(fetch).toHaveBeenCalledTimes(2)
  })

  it('sends everything else to the network: other paths, types, methods and resumed streams', async () => {
    const fetch = stubFetch()
    prefetch('/api/two')
    await prefetchingFetch('/api/other', json)
    await prefetchingFetch('/api/two', { headers: { accept: 'text/event-stream' } })
    await prefetchingFetch('/api/two', { method: 'POST', headers: json.headers, body: '{}' })
    await prefetchingFetch('/api/two', { headers: { ...json.headers, 'last-event-id': '5' } })
    expect(fetch).toHaveBeenCalledTimes(5)
    // Still there for the request it was made for.
    expect(takePrefetched('/api/two')).toBeDefined()
  })

  it('aborts the prefetched request when the one that took it is aborted', async () => {
    let prefetchSignal: AbortSignal | undefined
    vi.stubGlobal('fetch', async (_url: string, init?: RequestInit) => {
      prefetchSignal = init?.signal ?? undefined
      return new Response('x')
    })
    prefetch('/api/three')
    const controller = new AbortController()
    await prefetchingFetch('/api/three', { ...json, signal: controller.signal })
    expect(prefetchSignal?.aborted).toBe(false)
    controller.abort()
    expect(prefetchSignal?.aborted).toBe(true)
  })
})
