// The script behind `npm run demo`: shows Agent Ops working without an API key, using OpenCode's real
// built-in tools (names and arguments as OpenCode 1.18 declares them: GET /experimental/tool).
import type { Script, Step } from './script.ts'

const FILE = '$WORKSPACE/demo/hello.py'
const STREAM = { chunkDelayMs: 15 } // visible streaming in the UI, still quick in tests

type TodoStatus = 'pending' | 'in_progress' | 'completed'
const TODOS = ['Create demo/hello.py', 'Change the greeting', 'Run the script']

function todos(...statuses: TodoStatus[]) {
  return {
    name: 'todowrite',
    arguments: {
      todos: TODOS.map((content, i) => ({ content, status: statuses[i] ?? 'pending', priority: 'medium' })),
    },
  }
}

const SUMMARY = `## Demo complete

This answer comes from the **Agent Ops demo model**, a scripted stand-in, **not a real LLM**.
Every step above was real, though: OpenCode ran its own tools in this session's workspace.

- created \`demo/hello.py\` with \`bash\`
- read it back with \`read\`
- changed the greeting with \`edit\`
- ran it with \`python3 demo/hello.py\`, which printed \`Hello, Agent Ops!\`

To work with a real model, set a provider key (ANTHROPIC_API_KEY, OPENAI_API_KEY, ... see docs/configuration.md), restart the server and start a new session.`

const steps: Step[] = [
  {
    ...STREAM,
    text: "Hi! I'm the Agent Ops demo model. I'll create a tiny Python project, edit it and run it.",
    toolCalls: [todos('in_progress', 'pending', 'pending')],
  },
  {
    ...STREAM,
    text: 'Creating the project directory and a first file.',
    toolCalls: [
      {
        name: 'bash',
        arguments: {
          command:
            "mkdir -p demo && printf '%s\\n' 'def greet(name):' '    return f\"Hello, {name}!\"' '' " +
            '\'print(greet("world"))\' > demo/hello.py',
        },
      },
    ],
  },
  {
    ...STREAM,
    text: "Let's look at what was written.",
    toolCalls: [
      { name: 'read', arguments: { filePath: FILE } },
      todos('completed', 'in_progress', 'pending'),
    ],
  },
  {
    ...STREAM,
    text: 'Now greeting Agent Ops instead of the world.',
    toolCalls: [
      {
        name: 'edit',
        arguments: {
          filePath: FILE,
          oldString: 'print(greet("world"))',
          newString: 'print(greet("Agent Ops"))',
        },
      },
    ],
  },
  {
    ...STREAM,
    text: 'Running it.',
    toolCalls: [
      { name: 'bash', arguments: { command: 'python3 demo/hello.py' } },
      todos('completed', 'completed', 'in_progress'),
    ],
  },
  { toolCalls: [todos('completed', 'completed', 'completed')] },
  { ...STREAM, text: SUMMARY },
]

export const demoScript: Script = { exchanges: [{ match: /[\s\S]*/, steps }] }
