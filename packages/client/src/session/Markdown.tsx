import { memo, useEffect, useMemo, useSyncExternalStore } from 'react'
import ReactMarkdown, { type Components, type Options } from 'react-markdown'
import remarkGfm from 'remark-gfm'

type Plugins = NonNullable<Options['rehypePlugins']>

const remarkPlugins: Options['remarkPlugins'] = [remarkGfm]

/**
 * The code highlighter (highlight.js, a third of the app's code) loads on first need, off the path that opens a
 * session: code shows plain for a moment, then highlighted.
 */
let highlighting: Plugins = []
let highlighterRequested = false
const highlighterListeners = new Set<() => void>()

function loadHighlighter(): void {
  if (highlighterRequested) return
  highlighterRequested = true
  import('rehype-highlight').then(({ default: rehypeHighlight }) => {
    // Only fenced blocks that name their language: guessing costs time on long sessions.
    highlighting = [[rehypeHighlight, { detect: false }]]
    for (const listener of highlighterListeners) listener()
  })
}

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
  const plugins = useSyncExternalStore(subscribeHighlighter, () => highlighting)
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
