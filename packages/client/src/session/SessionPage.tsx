import type { SessionStatus } from '@agent-ops/protocol'
import { totalUsage } from '@agent-ops/protocol/timeline'
import { isTerminal } from '@agent-ops/protocol/vocabulary'
import { getRouteApi, Link } from '@tanstack/react-router'
import { lazy, Suspense, useMemo, useRef, useState } from 'react'
import { useErrorText } from '../auth.tsx'
import { ErrorNotice } from '../components/ErrorNotice.tsx'
import { Spinner } from '../components/Spinner.tsx'
import { Tabs } from '../components/Tabs.tsx'
import { useSession } from '../hooks/useSession.ts'
import { useSessionTimeline } from '../hooks/useSessionTimeline.ts'
import { narrowQuery, useMediaQuery, usePanelSplit, usePanelsOpen } from '../panels/layout.ts'
import { SplitHandle } from '../panels/SplitHandle.tsx'
import { sessionChanges } from '../timeline/changes.ts'
import { ChangesView } from './ChangesView.tsx'
import { Composer } from './Composer.tsx'
import { QueuePanel } from './QueuePanel.tsx'
import { SessionDetails } from './SessionDetails.tsx'
import { SessionHeader } from './SessionHeader.tsx'
import { type Activity, Timeline } from './Timeline.tsx'
import { TodosPanel } from './TodosPanel.tsx'

const sessionRouteApi = getRouteApi('/sessions/$sessionId')
// The panels' code loads when they are first opened, not with the page.
const PanelArea = lazy(() =>
  import('../panels/PanelArea.tsx').then((module) => ({ default: module.PanelArea })),
)
const bootingStatuses: readonly SessionStatus[] = ['pending', 'provisioning', 'starting', 'resuming']

type View = 'timeline' | 'changes'

/** Keyed by the id: another session starts from an empty timeline and a new event stream. */
export function SessionRoute() {
  const { sessionId } = sessionRouteApi.useParams()
  return <SessionPage key={sessionId} sessionId={sessionId} />
}

export function SessionPage({ sessionId }: { sessionId: string }) {
  const { timeline, streamError } = useSessionTimeline(sessionId)
  const usageReports = Object.keys(timeline.usage).length
  // Fetch the record again when the status or the usage reports move, for fresh totals and reasons.
  const { data: session, error } = useSession(sessionId, `${timeline.status}:${usageReports}`)
  const errorText = useErrorText(error)
  const live = useMemo(() => totalUsage(timeline.usage), [timeline.usage])
  const [view, setView] = useState<View>('timeline')
  const [followKey, setFollowKey] = useState(0)
  const status = timeline.status ?? session?.status ?? null
  const working = status === 'working'
  const booting = status !== null && bootingStatuses.includes(status)
  const activity: Activity = working ? 'working' : booting ? 'booting' : null
  const changes = useMemo(
    () => sessionChanges(timeline.changedFiles, timeline.items),
    [timeline.changedFiles, timeline.items],
  )
  const changedCount = changes.files.length

  const showChanges = () => setView('changes')
  // The panels (terminal, VS Code, browser, ports) beside the timeline; on a phone they replace it while open.
  const narrow = useMediaQuery(narrowQuery)
  const [panelsOpen, setPanelsOpen] = usePanelsOpen(narrow)
  const [panelsMounted, setPanelsMounted] = useState(panelsOpen)
  if (panelsOpen && !panelsMounted) setPanelsMounted(true)
  const [split, setSplit] = usePanelSplit()
  const page = useRef<HTMLElement>(null)
  const sideBySide = panelsOpen && !narrow

  return (
    <main ref={page} className={`session-page${panelsOpen ? ' with-panels' : ''}`}>
      <div
        className="session-main"
        hidden={panelsOpen && narrow}
        style={sideBySide ? { flexBasis: `${(1 - split) * 100}%` } : undefined}
      >
        <div className="session-top">
          <Link to="/" className="back-link">
            ← Sessions
          </Link>
          {session && status ? (
            <SessionHeader session={session} status={status} live={live} />
          ) : (
            !errorText && <Spinner label="Loading the session" withText />
          )}
          <ErrorNotice message={errorText ?? streamError} />
          <div className="row nowrap session-views">
            <Tabs
              label="Session views"
              selected={view}
              onSelect={setView}
              tabs={[
                { id: 'timeline', label: 'Timeline' },
                { id: 'changes', label: changedCount > 0 ? `Changes (${changedCount})` : 'Changes' },
              ]}
            />
            <span className="spacer" />
            <button
              type="button"
              className="small"
              aria-expanded={panelsOpen}
              aria-controls="session-panels"
              onClick={() => setPanelsOpen(!panelsOpen)}
            >
              {panelsOpen ? 'Hide panels' : 'Panels'}
            </button>
          </div>
        </div>
        {view === 'timeline' ? (
          <div className="tabpanel" role="tabpanel" id="tabpanel-timeline" aria-labelledby="tab-timeline">
            <Timeline
              items={timeline.items}
              loading={timeline.lastSeq === 0 && !streamError}
              activity={activity}
              followKey={followKey}
              onShowChanges={showChanges}
            />
          </div>
        ) : (
          <div
            className="tabpanel tabpanel-scroll"
            role="tabpanel"
            id="tabpanel-changes"
            aria-labelledby="tab-changes"
          >
            <ChangesView files={changes.files} source={changes.source} />
          </div>
        )}
        <div className="session-bottom">
          <TodosPanel todos={timeline.todos} />
          <QueuePanel
            sessionId={sessionId}
            queue={timeline.queue}
            booting={booting}
            readOnly={session?.access === 'viewer'}
          />
          <Composer
            sessionId={sessionId}
            working={working}
            closed={status !== null && isTerminal(status)}
            readOnly={session?.access === 'viewer'}
            onSent={() => {
              setView('timeline')
              setFollowKey((key) => key + 1)
            }}
          />
        </div>
      </div>
      {sideBySide && <SplitHandle fraction={split} onChange={setSplit} container={page} />}
      {panelsMounted && (
        <div
          className="panel-column"
          id="session-panels"
          hidden={!panelsOpen}
          style={sideBySide ? { flexBasis: `${split * 100}%` } : undefined}
        >
          {narrow && (
            <button type="button" className="small back-to-timeline" onClick={() => setPanelsOpen(false)}>
              ← Back to the timeline
            </button>
          )}
          <Suspense fallback={<Spinner label="Loading the panels" withText />}>
            <PanelArea sessionId={sessionId} status={status} role={session?.access} />
          </Suspense>
        </div>
      )}
      {session && (
        <SessionDetails
          session={session}
          live={live}
          todos={timeline.todos}
          changes={changes.files}
          onShowChanges={showChanges}
        />
      )}
    </main>
  )
}
