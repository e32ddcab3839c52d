import type { PanelServiceName, PanelServices } from '@agent-ops/protocol'
import { type ReactNode, useEffect, useState } from 'react'
import { useApi } from '../auth.tsx'
import { serviceStateText, serviceStep } from './model.ts'
import { useStartService } from './usePanelServices.ts'

interface ServicePanelProps {
  sessionId: string
  name: PanelServiceName
  services: PanelServices | undefined
  /** False for viewers: they may not start services, only watch one that runs. */
  canStart: boolean
  /** The panel itself, rendered once the service runs (and kept, so it is not reloaded on every poll). */
  children: ReactNode
}

/**
 * A tab backed by a sandbox service: asks for a start the first time, says what the start is doing while it
 * runs, shows a failure with a Retry button, then renders the panel and keeps it.
 */
export function ServicePanel({ sessionId, name, services, canStart, children }: ServicePanelProps) {
  const { describeError } = useApi()
  const service = services?.services.find((s) => s.name === name)
  const [startRequested, setStartRequested] = useState(false)
  const [opened, setOpened] = useState(false)
  const start = useStartService(sessionId)
  const step = services === undefined ? 'wait' : serviceStep(service, startRequested || !canStart)

  useEffect(() => {
    if (step !== 'start') return
    setStartRequested(true)
    start.mutate(name)
  }, [step, name, start.mutate])
  if (step === 'open' && !opened) setOpened(true)

  const retry = () => {
    setOpened(false)
    setStartRequested(true)
    start.mutate(name)
  }

  if (start.error) {
    return (
      <div className="panel-message">
        <p className="notice notice-error" role="alert">
          {describeError(start.error)}
        </p>
        <button type="button" onClick={retry}>
          Retry
        </button>
      </div>
    )
  }
  if (step === 'failed') {
    return (
      <div className="panel-message">
        <p className="notice notice-error" role="alert">
          {serviceStateText(name, service)}
        </p>
        <button type="button" onClick={retry}>
          Retry
        </button>
      </div>
    )
  }
  if (opened) return children
  const waitingText =
    !canStart && (!service || service.state === 'stopped')
      ? 'The browser is not running yet: it starts when the agent or a collaborator opens it.'
      : serviceStateText(name, service)
  return (
    <div className="panel-message">
      <span className="spinner-row" role="status">
        <span className="spinner" aria-hidden="true" />
        {waitingText}
      </span>
    </div>
  )
}
