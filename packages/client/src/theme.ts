// No React here: the entry script (main.tsx) applies the theme before the app's code has loaded.

/** The reader's choice; `system` follows the operating system's light/dark setting. */
export type ThemePreference = 'system' | 'light' | 'dark'
export type Theme = 'light' | 'dark'

const storageKey = 'agent-ops.theme'
const changeEvent = 'agent-ops:theme'
const darkQuery = '(prefers-color-scheme: dark)'

export function loadThemePreference(): ThemePreference {
  const stored = localStorage.getItem(storageKey)
  return stored === 'light' || stored === 'dark' ? stored : 'system'
}

export function resolveTheme(preference: ThemePreference): Theme {
  if (preference !== 'system') return preference
  return window.matchMedia(darkQuery).matches ? 'dark' : 'light'
}

/** Sets `data-theme` on <html>, which the stylesheet's two palettes key on. */
export function applyTheme(): void {
  const theme = resolveTheme(loadThemePreference())
  document.documentElement.dataset.theme = theme
  document.documentElement.style.colorScheme = theme
}

export function setThemePreference(preference: ThemePreference): void {
  if (preference === 'system') localStorage.removeItem(storageKey)
  else localStorage.setItem(storageKey, preference)
  applyTheme()
  window.dispatchEvent(new Event(changeEvent))
}

/** Applies the theme now and again whenever the system setting changes while `system` is chosen. */
export function followSystemTheme(): void {
  applyTheme()
  window.matchMedia(darkQuery).addEventListener('change', applyTheme)
}

/** Calls `onChange` whenever the reader picks another theme; returns the unsubscribe. */
export function subscribeThemePreference(onChange: () => void): () => void {
  window.addEventListener(changeEvent, onChange)
  return () => window.removeEventListener(changeEvent, onChange)
}
