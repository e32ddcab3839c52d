import { useSyncExternalStore } from 'react'
import { loadThemePreference, subscribeThemePreference, type ThemePreference } from '../theme.ts'

export function useThemePreference(): ThemePreference {
  return useSyncExternalStore(subscribeThemePreference, loadThemePreference)
}
