import { type KeyboardEvent, type PointerEvent, type RefObject, useState } from 'react'
import { splitAfterKey, splitBounds, splitFromPointer } from './model.ts'

interface SplitHandleProps {
  /** The panel area's share of the container's width. */
  fraction: number
  onChange: (fraction: number) => void
  container: RefObject<HTMLElement | null>
}

/**
 * The drag handle between the timeline and the panels: a focusable separator; drag it, or use the arrow keys
 * (Home/End for the extremes). While dragging the iframes ignore the pointer (the container gets `resizing`),
 * else they would swallow the moves.
 */
export function SplitHandle({ fraction, onChange, container }: SplitHandleProps) {
  const [dragging, setDragging] = useState(false)
  const move = (event: PointerEvent) => {
    if (!dragging) return
    const box = container.current?.getBoundingClientRect()
    if (box) onChange(splitFromPointer(event.clientX, box.left, box.width))
  }
  const setResizing = (on: boolean) => {
    setDragging(on)
    container.current?.classList.toggle('resizing', on)
  }
  const onKeyDown = (event: KeyboardEvent) => {
    const next = splitAfterKey(fraction, event.key)
    if (next === null) return
    event.preventDefault()
    onChange(next)
  }
  const percent = Math.round(fraction * 100)
  return (
    // biome-ignore lint/a11y/useSemanticElements: a focusable, resizable separator; <hr> cannot take focus or keys.
    <div
      className="split-handle"
      role="separator"
      aria-orientation="vertical"
      aria-label="Resize the panels"
      aria-valuenow={percent}
      aria-valuemin={Math.round(splitBounds.min * 100)}
      aria-valuemax={Math.round(splitBounds.max * 100)}
      aria-valuetext={`Panels ${percent}% of the width`}
      tabIndex={0}
      onKeyDown={onKeyDown}
      onPointerDown={(event) => {
        event.currentTarget.setPointerCapture(event.pointerId)
        setResizing(true)
      }}
      onPointerMove={move}
      onPointerUp={() => setResizing(false)}
      onPointerCancel={() => setResizing(false)}
    />
  )
}
