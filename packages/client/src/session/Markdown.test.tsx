import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { Markdown } from './Markdown.tsx'

const html = (text: string) => renderToStaticMarkup(<Markdown text={text} />)

describe('the agent’s markdown', () => {
  it('renders GitHub-flavoured markdown: tables, task lists, strikethrough and autolinks', () => {
    expect(html('| a | b |\n| - | - |\n| 1 | 2 |')).toContain(
      '<table><thead><tr><th>a</th><th>b</th></tr></thead>',
    )
    expect(html('- [x] done\n- [ ] todo')).toContain('<input type="checkbox" disabled="" checked=""/> done')
    expect(html('~~gone~~')).toContain('<del>gone</del>')
    expect(html('see https://example.test/x')).toContain(
      '<a href="https://example.test/x" target="_blank" rel="noreferrer noopener">https://example.test/x</a>',
    )
  })

  it('shows raw HTML as text and never links to a script', () => {
    const rendered = html('<img src=x onerror=alert(1)> [click](javascript:alert(1))')
    expect(rendered).not.toContain('<img')
    expect(rendered).not.toContain('javascript:')
  })
})
