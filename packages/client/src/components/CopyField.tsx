import { useId, useRef, useState } from 'react'

/** A read-only value (a link, a key) with a Copy button; selecting the field also works where the clipboard API does not. */
export function CopyField({ label, value, hint }: { label: string; value: string; hint?: string }) {
  const id = useId()
  const field = useRef<HTMLInputElement>(null)
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null)
  const copy = async () => {
    field.current?.select()
    try {
      await navigator.clipboard.writeText(value)
      setCopied('yes')
    } catch {
      setCopied(document.execCommand?.('copy') ? 'yes' : 'no')
    }
  }
  return (
    <div className="copy-field stack">
      <label htmlFor={id}>{label}</label>
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <div className="row nowrap">
        <input
          id={id}
          ref={field}
          className="mono grow"
          readOnly
          value={value}
          spellCheck={false}
          aria-describedby={hint ? `${id}-hint` : undefined}
          onFocus={(event) => event.target.select()}
        />
        <button type="button" onClick={copy}>
          Copy
        </button>
        <span role="status" className="hint">
          {copied === 'yes' ? 'Copied' : copied === 'no' ? 'Select it and copy by hand' : ''}
        </span>
      </div>
    </div>
  )
}
