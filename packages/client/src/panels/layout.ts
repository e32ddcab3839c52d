import { useCallback, useState, useSyncExternalStore } from 'react'
import { clampSplit, parseStoredSplit } from './model.ts'

const splitKey = 'agent-ops.panels.split'
const openKey = 'agent-ops.panels.open'

/** Below this width the panels replace the timeline while open, behind a toggle. */
export const narrowQuery = '(max-width: 900px)'

export function useMediaQuery(query: string): boolean {
  return useSyncExternalStore(
    (onChange) => {
      const list = window.matchMedia(query)
      list.addEventListener('change', onChange)
      return () => list.removeEventListener('change', onChange)
    },
    () => window.matchMedia(query).matches,
  )
}

/** The panel area's share of the width, remembered across sessions and reloads. */
export function usePanelSplit(): [number, (fraction: number) => void] {
  const [fraction, setFraction] = useState(() => parseStoredSplit(localStorage.getItem(splitKey)))
  const set = useCallback((next: number) => {
    const clamped = clampSplit(next)
    setFraction(clamped)
    localStorage.setItem(splitKey, String(clamped))
  }, [])
  return [fraction, set]
}

/** Whether the panels are shown, remembered on wide screens; a phone always starts on the timeline. */
export function usePanelsOpen(narrow: boolean): [boolean, (open: boolean) => void] {
  const [open, setOpen] = useState(() => !narrow && localStorage.getItem(openKey) === '1')
  const set = useCallback(
    (next: boolean) => {
      setOpen(next)
      if (!narrow) localStorage.setItem(openKey, next ? '1' : '0')
    },
    [narrow],
  )
  return [open, set]
}
