import type { PanelServiceName, PanelToken, SessionRole, SessionStatus } from '@agent-ops/protocol'
import { useState } from 'react'
import { useErrorText } from '../auth.tsx'
import { ErrorNotice } from '../components/ErrorNotice.tsx'
import { Tabs } from '../components/Tabs.tsx'
import { useThemePreference } from '../hooks/useThemePreference.ts'
import { resolveTheme } from '../theme.ts'
import {
  accessFor,
  memoryLabels,
  type PanelTab,
  panelAvailability,
  panelNext,
  panelTabsFor,
  viewerNote,
} from './model.ts'
import { OpenInNewTab, PanelFrame } from './PanelFrame.tsx'
import { PortsPanel } from './PortsPanel.tsx'
import { ServicePanel } from './ServicePanel.tsx'
import { TerminalPanel } from './TerminalPanel.tsx'
import { usePanelServices } from './usePanelServices.ts'

interface PanelAreaProps {
  sessionId: string
  status: SessionStatus | null
  role: SessionRole | undefined
}

/**
 * The dev environment beside the timeline: Terminal, VS Code, Browser and Ports tabs. A tab's panel mounts the
 * first time it is chosen and stays mounted (hidden) after, so VS Code is not reloaded on every switch.
 */
export function PanelArea({ sessionId, status, role }: PanelAreaProps) {
  const availability = panelAvailability(status)
  const tabs = panelTabsFor(role)
  const access = accessFor(role)
  const theme = resolveTheme(useThemePreference())
  const [chosen, setChosen] = useState<PanelTab | null>(null)
  const selected = tabs.find((tab) => tab.id === chosen)?.id ?? tabs[0]?.id ?? 'browser'
  const [mounted, setMounted] = useState<ReadonlySet<PanelTab>>(() => new Set([selected]))
  if (!mounted.has(selected)) setMounted(new Set([...mounted, selected]))

  const opened = tabs.flatMap((tab) => (tab.service && mounted.has(tab.id) ? [tab.service] : []))
  const { data: services, error } = usePanelServices(sessionId, availability.available, opened)
  const errorText = useErrorText(availability.available ? error : null)
  const memory = memoryLabels(services)
  // VS Code takes its folder and theme from its own settings; the panel pages take the app's theme.
  const nextFor = (service: PanelServiceName) => (token: PanelToken) =>
    service === 'vscode' ? token.path : panelNext(token.path, { theme, access: token.access })
  const selectedService = tabs.find((tab) => tab.id === selected)?.service
  const canPopOut =
    availability.available &&
    (selectedService === 'vscode' || selectedService === 'browser') &&
    services?.services.some((s) => s.name === selectedService && s.state === 'running')

  return (
    <section className="panel-area" aria-label="Panels">
      <div className="panel-bar">
        <Tabs
          label="Panels"
          idPrefix="panel-"
          className="tabs panel-tabs"
          selected={selected}
          onSelect={setChosen}
          tabs={tabs.map((tab) => ({
            id: tab.id,
            label: tab.viewOnly ? `${tab.label} (view only)` : tab.label,
          }))}
        />
        <span className="spacer" />
        {canPopOut && selectedService && (
          <OpenInNewTab sessionId={sessionId} panel={selectedService} next={nextFor(selectedService)} />
        )}
      </div>
      {role === 'viewer' && <p className="hint panel-note">{viewerNote}</p>}
      <ErrorNotice message={errorText} />
      {!availability.available ? (
        <div className="panel-message">
          <p>{availability.message}</p>
        </div>
      ) : (
        tabs.map((tab) => (
          <div
            key={tab.id}
            className="panel-tabpanel"
            role="tabpanel"
            id={`tabpanel-panel-${tab.id}`}
            aria-labelledby={`tab-panel-${tab.id}`}
            hidden={tab.id !== selected}
          >
            {mounted.has(tab.id) &&
              (tab.id === 'ports' ? (
                <PortsPanel sessionId={sessionId} />
              ) : tab.service === null ? null : (
                <ServicePanel
                  sessionId={sessionId}
                  name={tab.service}
                  services={services}
                  canStart={access === 'full'}
                >
                  {tab.id === 'terminal' ? (
                    <TerminalPanel sessionId={sessionId} theme={theme} />
                  ) : (
                    <>
                      {tab.id === 'vscode' && (
                        <p className="hint panel-note">
                          VS Code blank? Browsers that block third-party cookies also deny it storage here:
                          open it in a new tab (top right).
                        </p>
                      )}
                      <PanelFrame
                        sessionId={sessionId}
                        panel={tab.service}
                        title={tab.id === 'vscode' ? 'VS Code' : 'Browser'}
                        next={nextFor(tab.service)}
                      />
                    </>
                  )}
                </ServicePanel>
              ))}
          </div>
        ))
      )}
      {memory.length > 0 && (
        <p className="hint panel-memory" title="Memory used by each panel's processes in the sandbox">
          {memory.join('  ·  ')}
        </p>
      )}
    </section>
  )
}
