/** Unsent text kept in localStorage, so a reload (or a crash) never loses what someone was typing. */
const prefix = 'agent-ops.draft.'

export function loadDraft(key: string): string {
  return localStorage.getItem(prefix + key) ?? ''
}

export function saveDraft(key: string, text: string): void {
  if (text) localStorage.setItem(prefix + key, text)
  else localStorage.removeItem(prefix + key)
}
