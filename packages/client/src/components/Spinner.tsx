/** A spinner that screen readers announce by its label; `withText` also shows the label beside it. */
export function Spinner({ label, withText = false }: { label: string; withText?: boolean }) {
  if (withText) {
    return (
      <span className="spinner-row" role="status" aria-label={label}>
        <span className="spinner" aria-hidden="true" />
        {label}…
      </span>
    )
  }
  return <span className="spinner" role="status" aria-label={label} title={label} />
}
