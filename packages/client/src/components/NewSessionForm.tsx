import { Limits } from '@agent-ops/protocol'
import { type FormEvent, type KeyboardEvent, useState } from 'react'
import { useApi } from '../auth.tsx'
import { useModels } from '../hooks/useModels.ts'
import { navigate, sessionPath } from '../router.ts'
import { ErrorNotice } from './ErrorNotice.tsx'
import { Spinner } from './Spinner.tsx'

export function NewSessionForm() {
  const { client, describeError } = useApi()
  const { models, error: modelsError } = useModels()
  const [prompt, setPrompt] = useState('')
  const [chosenModel, setChosenModel] = useState<string | null>(null)
  const [creating, setCreating] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const model = chosenModel ?? models?.defaultModel ?? models?.models[0]?.id ?? ''
  const noModels = models !== null && models.models.length === 0

  const create = async () => {
    if (!prompt.trim() || creating) return
    setCreating(true)
    setError(null)
    try {
      const session = await client.sessions.create({ prompt, ...(model ? { model } : {}) })
      navigate(sessionPath(session.id))
    } catch (caught) {
      setError(describeError(caught))
      setCreating(false)
    }
  }
  const submit = (event: FormEvent) => {
    event.preventDefault()
    create()
  }
  const submitOnShortcut = (event: KeyboardEvent) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault()
      create()
    }
  }

  return (
    <section aria-labelledby="new-session-heading" className="card stack">
      <h2 id="new-session-heading">New session</h2>
      {models?.demo && (
        <p className="notice notice-demo" role="note">
          Demo model: scripted responses, not a real LLM.
        </p>
      )}
      {models?.unavailable.map((item) => (
        <p key={item.provider} className="notice notice-warning">
          {item.provider} is unavailable: {item.message}
        </p>
      ))}
      <form className="stack" onSubmit={submit}>
        <label htmlFor="prompt">What should the agent do?</label>
        <textarea
          id="prompt"
          rows={4}
          value={prompt}
          maxLength={Limits.promptMaxChars}
          placeholder="e.g. Add a /health endpoint and a test for it"
          onChange={(event) => setPrompt(event.target.value)}
          onKeyDown={submitOnShortcut}
          aria-describedby="prompt-hint"
        />
        <p className="hint" id="prompt-hint">
          Ctrl+Enter (⌘+Enter on a Mac) starts the session.
        </p>
        <div className="row">
          <label htmlFor="model">Model</label>
          {models === null && !modelsError ? (
            <Spinner label="Loading models" />
          ) : (
            <select
              id="model"
              value={model}
              onChange={(event) => setChosenModel(event.target.value)}
              disabled={noModels}
            >
              {models?.models.map((option) => (
                <option key={option.id} value={option.id}>
                  {option.name} ({option.id})
                </option>
              ))}
            </select>
          )}
          <span className="spacer" />
          {creating && <Spinner label="Creating the session" />}
          <button type="submit" className="primary" disabled={creating || !prompt.trim() || noModels}>
            Start session
          </button>
        </div>
        {noModels && (
          <p className="notice notice-warning">
            No model provider is configured on the server, so no session can start.
          </p>
        )}
        <ErrorNotice message={error ?? modelsError} />
      </form>
    </section>
  )
}
