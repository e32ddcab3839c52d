import { memo, useEffect, useMemo, useSyncExternalStore } from 'react'
import ReactMarkdown, { type Components, type Options } from 'react-markdown'
import remarkGfm from 'remark-gfm'

type Plugins = NonNullable<Options['rehypePlugins']>

const remarkPlugins: Options['remarkPlugins'] = [remarkGfm]

/**
 * The code highlighter (highlight.js, a third of the app's code) loads on first need, once the page is idle: off
 * the path that opens a session, and never between its first render and its first paint. Code shows plain for a
 * moment, then highlighted.
 */
let highlighting: Plugins = []
let highlighterRequested = false
const highlighterListeners = new Set<() => void>()

function whenIdle(run: () => void): void {
  if ('requestIdleCallback' in window) requestIdleCallback(run, { timeout: 2_000 })
  else setTimeout(run, 200)
}

function loadHighlighter(): void {
  if (highlighterRequested) return
  highlighterRequested = true
  whenIdle(() =>
    import('rehype-highlight').then(({ default: rehypeHighlight }) => {
      // Set up once, here: react-markdown builds its processor on every render, and rehype-highlight's own
      // set-up registers some forty languages each time it runs. Only fenced blocks that name their language
      // are highlighted: guessing costs time on long sessions.
      const highlight = rehypeHighlight({ detect: false })
      highlighting = [() => highlight]
      for (const listener of highlighterListeners) listener()
    }),
  )
}

/** The rehype plugins in use (none until the highlighter loaded); the same answer when rendered outside a browser. */
const currentHighlighting = () => highlighting

function subscribeHighlighter(listener: () => void): () => void {
  highlighterListeners.add(listener)
  return () => highlighterListeners.delete(listener)
}

/** Links from the agent open in a new tab and never pass the app as referrer. */
const components: Components = {
  a: ({ node: _node, ...props }) => <a {...props} target="_blank" rel="noreferrer noopener" />,
}

const hasFencedCode = (text: string) => text.includes('```') || text.includes('~~~')

/** The agent's markdown (GitHub flavour) with highlighted code; raw HTML in it is shown as text, never run. */
export const Markdown = memo(function Markdown({ text }: { text: string }) {
  const plugins = useSyncExternalStore(subscribeHighlighter, currentHighlighting, currentHighlighting)
  const needsHighlighter = useMemo(() => hasFencedCode(text), [text])
  useEffect(() => {
    if (needsHighlighter) loadHighlighter()
  }, [needsHighlighter])
  return (
    <div className="markdown">
      <ReactMarkdown
        remarkPlugins={remarkPlugins}
        rehypePlugins={needsHighlighter ? plugins : undefined}
        components={components}
      >
        {text}
      </ReactMarkdown>
    </div>
  )
})
