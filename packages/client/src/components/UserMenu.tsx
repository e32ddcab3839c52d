import { useEffect, useId, useRef, useState } from 'react'
import { errorMessage } from '../api.ts'
import { useApi } from '../auth.tsx'

/** The signed-in person, their team and role; sign out here or on every device. */
export function UserMenu() {
  const { client, me, signOut } = useApi()
  const [open, setOpen] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const menuId = useId()
  const root = useRef<HTMLDivElement>(null)
  const button = useRef<HTMLButtonElement>(null)

  useEffect(() => {
    if (!open) return
    const onPointer = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false)
    }
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return
      setOpen(false)
      button.current?.focus()
    }
    document.addEventListener('pointerdown', onPointer)
    document.addEventListener('keydown', onKey)
    return () => {
      document.removeEventListener('pointerdown', onPointer)
      document.removeEventListener('keydown', onKey)
    }
  }, [open])

  const everywhere = async () => {
    setError(null)
    try {
      await client.signOutEverywhere()
      signOut({ reason: 'You are signed out on every device.' })
    } catch (caught) {
      setError(errorMessage(caught))
    }
  }

  return (
    <div className="user-menu" ref={root}>
      <button
        type="button"
        ref={button}
        className="user-menu-button"
        aria-expanded={open}
        aria-controls={menuId}
        aria-label={`Account: ${me.user.name}`}
        onClick={() => setOpen((value) => !value)}
      >
        <Avatar name={me.user.name} />
        <span className="hide-narrow">{me.user.name}</span>
      </button>
      {open && (
        <div className="user-menu-panel card stack" id={menuId}>
          <div>
            <strong>{me.user.name}</strong>
            <span className="hint block">{me.user.email}</span>
            {me.org && (
              <span className="hint block">
                {me.org.name} · {me.org.role}
              </span>
            )}
          </div>
          <button type="button" onClick={() => signOut({ endSession: true })}>
            Sign out
          </button>
          <button
            type="button"
            onClick={everywhere}
            title="End every browser session of yours, on every device (API keys stay)"
          >
            Sign out everywhere
          </button>
          {error && (
            <p className="notice-error-text" role="alert">
              {error}
            </p>
          )}
        </div>
      )}
    </div>
  )
}

/** Initials in a circle, coloured by the name so one person looks the same everywhere. */
export function Avatar({ name, label }: { name: string; label?: string }) {
  const initials = name
    .split(/[\s@._-]+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]?.toUpperCase())
    .join('')
  let hash = 0
  for (const char of name) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) % 360
  return (
    <span
      className="avatar"
      style={{ '--avatar-hue': hash } as React.CSSProperties}
      {...(label ? { role: 'img', 'aria-label': label, title: label } : { 'aria-hidden': true })}
    >
      {initials || '?'}
    </span>
  )
}
