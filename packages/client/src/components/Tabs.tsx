import { type KeyboardEvent, useRef } from 'react'

export interface Tab<T extends string> {
  id: T
  label: string
}

/**
 * A WAI-ARIA tab list: one tab in the tab order, arrow keys (and Home/End) move between tabs. The panels are
 * the caller's, each labelled `tabpanel-<id>` and pointing back with aria-labelledby `tab-<id>` (with `idPrefix`
 * before the id when a page has more than one tab list: `tab-<prefix><id>`).
 */
export function Tabs<T extends string>({
  tabs,
  selected,
  onSelect,
  label,
  idPrefix = '',
  className = 'tabs',
}: {
  tabs: readonly Tab<T>[]
  selected: T
  onSelect: (id: T) => void
  label: string
  idPrefix?: string
  className?: string
}) {
  const list = useRef<HTMLDivElement>(null)
  const onKeyDown = (event: KeyboardEvent) => {
    const index = tabs.findIndex((tab) => tab.id === selected)
    const moves: Record<string, number> = {
      ArrowRight: index + 1,
      ArrowLeft: index - 1,
      Home: 0,
      End: tabs.length - 1,
    }
    const target = moves[event.key]
    if (target === undefined) return
    event.preventDefault()
    const next = tabs[(target + tabs.length) % tabs.length]
    if (!next) return
    onSelect(next.id)
    list.current?.querySelector<HTMLButtonElement>(`#tab-${idPrefix}${next.id}`)?.focus()
  }
  return (
    <div className={className} role="tablist" aria-label={label} ref={list} onKeyDown={onKeyDown}>
      {tabs.map((tab) => (
        <button
          key={tab.id}
          type="button"
          role="tab"
          id={`tab-${idPrefix}${tab.id}`}
          aria-selected={tab.id === selected}
          aria-controls={`tabpanel-${idPrefix}${tab.id}`}
          tabIndex={tab.id === selected ? 0 : -1}
          onClick={() => onSelect(tab.id)}
        >
          {tab.label}
        </button>
      ))}
    </div>
  )
}
