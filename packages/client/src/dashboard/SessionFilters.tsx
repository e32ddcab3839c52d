import { sessionStatuses } from '@agent-ops/protocol/vocabulary'
import type { DashboardSearch, OwnerFilter, StatusFilter } from '../router.tsx'

const groups: { value: StatusFilter; label: string }[] = [
  { value: 'all', label: 'All statuses' },
  { value: 'active', label: 'Active' },
  { value: 'ended', label: 'Ended' },
]

const owners: { value: OwnerFilter; label: string }[] = [
  { value: 'all', label: 'Everyone’s' },
  { value: 'mine', label: 'Mine' },
  { value: 'team', label: 'Team' },
]

export function SessionFilters({
  search,
  onChange,
}: {
  search: DashboardSearch
  onChange: (search: DashboardSearch) => void
}) {
  return (
    <search className="filters row wrap">
      <label>
        <span className="visually-hidden">Search by title</span>
        <input
          type="search"
          placeholder="Search by title"
          value={search.q ?? ''}
          onChange={(event) => onChange({ ...search, q: event.target.value || undefined })}
        />
      </label>
      <label>
        <span className="visually-hidden">Filter by owner</span>
        <select
          value={search.whose ?? 'all'}
          onChange={(event) => {
            const whose = event.target.value as OwnerFilter
            onChange({ ...search, whose: whose === 'all' ? undefined : whose })
          }}
        >
          {owners.map((owner) => (
            <option key={owner.value} value={owner.value}>
              {owner.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span className="visually-hidden">Filter by status</span>
        <select
          value={search.status ?? 'all'}
          onChange={(event) => {
            const status = event.target.value as StatusFilter
            onChange({ ...search, status: status === 'all' ? undefined : status })
          }}
        >
          {groups.map((group) => (
            <option key={group.value} value={group.value}>
              {group.label}
            </option>
          ))}
          <optgroup label="Exactly">
            {sessionStatuses.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </optgroup>
        </select>
      </label>
    </search>
  )
}
