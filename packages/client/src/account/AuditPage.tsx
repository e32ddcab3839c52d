import type { AuditEntry } from '@agent-ops/protocol'
import { useInfiniteQuery } from '@tanstack/react-query'
import { useApi, useErrorText, useIsAdmin } from '../auth.tsx'
import { ErrorNotice } from '../components/ErrorNotice.tsx'
import { Spinner } from '../components/Spinner.tsx'
import { formatDateTime } from '../format.ts'
import { auditKey } from './queries.ts'

const pageSize = 100

/** `key: value` pairs of an entry's details, for reading at a glance. */
function describeDetails(details: AuditEntry['details']): string {
  return Object.entries(details)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ')
}

/** Security-relevant actions, newest first (admins only). */
export function AuditPage() {
  const admin = useIsAdmin()
  return (
    <main className="page page-wide">
      <h1>Audit log</h1>
      {admin ? (
        <AuditTable />
      ) : (
        <p className="notice">Only the team's owners and admins can read the audit log.</p>
      )}
    </main>
  )
}

function AuditTable() {
  const { client } = useApi()
  const audit = useInfiniteQuery({
    queryKey: auditKey,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => client.org.audit({ limit: pageSize, before: pageParam }),
    getNextPageParam: (last) => (last.entries.length === pageSize ? last.entries.at(-1)?.at : undefined),
  })
  const errorText = useErrorText(audit.error)
  const entries = audit.data?.pages.flatMap((page) => page.entries)
  return (
    <section className="stack" aria-label="Audit entries">
      <ErrorNotice message={errorText} />
      {audit.isPending && <Spinner label="Loading the audit log" withText />}
      {entries?.length === 0 && <p className="empty">Nothing recorded yet.</p>}
      {entries && entries.length > 0 && (
        <div className="table-scroll">
          <table className="sessions audit">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id}>
                  <td>
                    <time dateTime={entry.at}>{formatDateTime(entry.at)}</time>
                  </td>
                  <td>{entry.actor.name}</td>
                  <td className="mono">{entry.action}</td>
                  <td className="mono">{entry.target ?? ''}</td>
                  <td className="details-cell">{describeDetails(entry.details)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="row">
        <button type="button" onClick={() => audit.refetch()} disabled={audit.isFetching}>
          Refresh
        </button>
        {audit.hasNextPage && (
          <button type="button" onClick={() => audit.fetchNextPage()} disabled={audit.isFetchingNextPage}>
            Load older entries
          </button>
        )}
        {audit.isFetching && !audit.isPending && <Spinner label="Loading" withText />}
      </div>
    </section>
  )
}
