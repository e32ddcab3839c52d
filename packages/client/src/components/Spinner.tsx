/** A spinner that screen readers announce by its label. */
export function Spinner({ label }: { label: string }) {
  return <span className="spinner" role="status" aria-label={label} title={label} />
}
