import { Limits } from '@agent-ops/protocol/vocabulary'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useNavigate } from '@tanstack/react-router'
import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from 'react'
import { errorMessage } from '../api.ts'
import { useApi, useErrorText } from '../auth.tsx'
import { ErrorNotice } from '../components/ErrorNotice.tsx'
import { Spinner } from '../components/Spinner.tsx'
import { loadDraft, saveDraft } from '../drafts.ts'
import { useModels } from '../hooks/useModels.ts'
import { sessionKey } from '../hooks/useSession.ts'

const draftKey = 'new-session'

/** `n` anywhere on the dashboard (outside a text field) jumps to the prompt. */
function useFocusShortcut(target: React.RefObject<HTMLTextAreaElement | null>) {
  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent) => {
      if (event.key !== 'n' || event.ctrlKey || event.metaKey || event.altKey) return
      const active = document.activeElement
      if (active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement) return
      if (active instanceof HTMLSelectElement || (active as HTMLElement | null)?.isContentEditable) return
      event.preventDefault()
      target.current?.focus()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [target])
}

export function NewSessionForm() {
  const { client } = useApi()
  const queryClient = useQueryClient()
  const navigate = useNavigate()
  const models = useModels()
  const modelsError = useErrorText(models.error)
  const [prompt, setPrompt] = useState(() => loadDraft(draftKey))
  const [chosenModel, setChosenModel] = useState<string | null>(null)
  const promptField = useRef<HTMLTextAreaElement>(null)
  useFocusShortcut(promptField)
  const list = models.data
  const model = chosenModel ?? list?.defaultModel ?? list?.models[0]?.id ?? ''
  const noModels = list !== undefined && list.models.length === 0

  const create = useMutation({
    mutationFn: () => client.sessions.create({ prompt, ...(model ? { model } : {}) }),
    onSuccess: (session) => {
      saveDraft(draftKey, '')
      queryClient.setQueryData(sessionKey(session.id), session)
      navigate({ to: '/sessions/$sessionId', params: { sessionId: session.id } })
    },
  })
  const start = () => {
    if (prompt.trim() && !create.isPending) create.mutate()
  }
  const submit = (event: FormEvent) => {
    event.preventDefault()
    start()
  }
  const submitOnShortcut = (event: KeyboardEvent) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault()
      start()
    }
  }

  return (
    <section aria-labelledby="new-session-heading" className="card stack">
      <h2 id="new-session-heading">New session</h2>
      {list?.demo && (
        <p className="notice notice-demo" role="note">
          Demo model: scripted responses, not a real LLM.
        </p>
      )}
      {list?.unavailable.map((item) => (
        <p key={item.provider} className="notice notice-warning">
          {item.provider} is unavailable: {item.message}
        </p>
      ))}
      <form className="stack" onSubmit={submit}>
        <label htmlFor="prompt">What should the agent do?</label>
        <textarea
          id="prompt"
          ref={promptField}
          rows={4}
          value={prompt}
          maxLength={Limits.promptMaxChars}
          placeholder="e.g. Add a /health endpoint and a test for it"
          onChange={(event) => {
            setPrompt(event.target.value)
            saveDraft(draftKey, event.target.value)
          }}
          onKeyDown={submitOnShortcut}
          aria-describedby="prompt-hint"
          aria-keyshortcuts="n"
        />
        <p className="hint" id="prompt-hint">
          <kbd>N</kbd> jumps here; <kbd>Ctrl</kbd>+<kbd>Enter</kbd> (<kbd>⌘</kbd>+<kbd>Enter</kbd> on a Mac)
          starts the session.
        </p>
        <div className="row wrap">
          <label htmlFor="model">Model</label>
          {models.isPending ? (
            <Spinner label="Loading models" withText />
          ) : (
            <select
              id="model"
              value={model}
              onChange={(event) => setChosenModel(event.target.value)}
              disabled={noModels}
            >
              {list?.models.map((option) => (
                <option key={option.id} value={option.id}>
                  {option.name} ({option.id})
                </option>
              ))}
            </select>
          )}
          <span className="spacer" />
          {create.isPending && <Spinner label="Creating the session" withText />}
          <button type="submit" className="primary" disabled={create.isPending || !prompt.trim() || noModels}>
            Start session
          </button>
        </div>
        {noModels && (
          <p className="notice notice-warning">
            No model provider is configured on the server, so no session can start.
          </p>
        )}
        <ErrorNotice message={create.error ? errorMessage(create.error) : modelsError} />
      </form>
    </section>
  )
}
