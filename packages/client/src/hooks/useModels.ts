import type { ModelList } from '@agent-ops/protocol'
import { useEffect, useState } from 'react'
import { useApi } from '../auth.tsx'

export function useModels() {
  const { client, describeError } = useApi()
  const [models, setModels] = useState<ModelList | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    let cancelled = false
    client
      .models()
      .then((list) => !cancelled && setModels(list))
      .catch((caught: unknown) => !cancelled && setError(describeError(caught)))
    return () => {
      cancelled = true
    }
  }, [client, describeError])
  return { models, error }
}
