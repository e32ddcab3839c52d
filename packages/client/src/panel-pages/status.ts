/** The panel page's one status line (hidden when there is nothing to say). */
export function statusLine(element: HTMLElement) {
  return (text: string | null, tone: 'info' | 'error' = 'info') => {
    element.hidden = text === null
    element.textContent = text ?? ''
    element.dataset.tone = tone
  }
}

export function requireElement(id: string): HTMLElement {
  const element = document.getElementById(id)
  if (!element) throw new Error(`the page has no #${id}`)
  return element
}

/**
 * The HTTP status the gateway gives a plain request to a WebSocket path: a browser hides why an upgrade failed,
 * this tells a refusal (401/403) from a network drop.
 */
export async function probeStatus(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(url, { credentials: 'same-origin', cache: 'no-store' })
    return response.status
  } catch {
    return undefined
  }
}
