import type { z } from 'zod'
import { SendMessageInput } from './session.ts'

/**
 * Changing the prompt queue: a message can be edited or removed while it still waits for the agent.
 * The text follows the same rules as when it was sent.
 */
export const EditQueuedMessageInput = SendMessageInput.pick({ text: true })
  .strict()
  .meta({ id: 'EditQueuedMessageInput' })
export type EditQueuedMessageInput = z.input<typeof EditQueuedMessageInput>
