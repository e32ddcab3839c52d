import type { Todo } from '@agent-ops/protocol/timeline'

const marks: Record<string, string> = { completed: '✓', in_progress: '▸', cancelled: '✕' }

export function TodoList({ todos }: { todos: readonly Todo[] }) {
  return (
    <ul className="todo-list">
      {todos.map((todo) => (
        <li key={todo.content} className={`todo todo-${todo.status}`}>
          <span aria-hidden="true" className="todo-mark">
            {marks[todo.status] ?? '○'}
          </span>{' '}
          {todo.content}
          <span className="visually-hidden"> ({todo.status.replace('_', ' ')})</span>
        </li>
      ))}
    </ul>
  )
}

/** The agent's todo list folded to one line, for screens too narrow for the side column. */
export function TodosPanel({ todos }: { todos: readonly Todo[] }) {
  if (todos.length === 0) return null
  const done = todos.filter((todo) => todo.status === 'completed').length
  return (
    <details className="todos narrow-only">
      <summary>
        Todos ({done}/{todos.length} done)
      </summary>
      <TodoList todos={todos} />
    </details>
  )
}
