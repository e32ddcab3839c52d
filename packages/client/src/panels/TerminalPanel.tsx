import { useState } from 'react'
import type { Theme } from '../theme.ts'
import { nextTerminalId, panelNext } from './model.ts'
import { PanelFrame } from './PanelFrame.tsx'

/**
 * The sandbox's terminals: one per sub-tab, each its own shell (the runner keys them by id), all kept mounted so
 * switching does not drop a connection.
 */
export function TerminalPanel({ sessionId, theme }: { sessionId: string; theme: Theme }) {
  const [ids, setIds] = useState<string[]>(['1'])
  const [active, setActive] = useState('1')
  const add = () => {
    const id = nextTerminalId(ids)
    setIds([...ids, id])
    setActive(id)
  }
  return (
    <div className="terminal-panel">
      <div className="row nowrap panel-subbar">
        <div className="subtabs" role="tablist" aria-label="Terminals">
          {ids.map((id) => (
            <button
              key={id}
              type="button"
              role="tab"
              id={`tab-terminal-${id}`}
              aria-controls={`tabpanel-terminal-${id}`}
              aria-selected={id === active}
              tabIndex={id === active ? 0 : -1}
              onClick={() => setActive(id)}
              onKeyDown={(event) => {
                const index = ids.indexOf(id)
                const to =
                  event.key === 'ArrowRight'
                    ? ids[index + 1]
                    : event.key === 'ArrowLeft'
                      ? ids[index - 1]
                      : undefined
                if (!to) return
                event.preventDefault()
                setActive(to)
                document.getElementById(`tab-terminal-${to}`)?.focus()
              }}
            >
              {id}
            </button>
          ))}
        </div>
        <button type="button" className="small" onClick={add}>
          + New terminal
        </button>
      </div>
      {ids.map((id) => (
        <div
          key={id}
          className="panel-body"
          role="tabpanel"
          id={`tabpanel-terminal-${id}`}
          aria-labelledby={`tab-terminal-${id}`}
          hidden={id !== active}
        >
          <PanelFrame
            sessionId={sessionId}
            panel="terminal"
            title={`Terminal ${id}`}
            next={(token) => panelNext(token.path, { theme, terminalId: id })}
          />
        </div>
      ))}
    </div>
  )
}
