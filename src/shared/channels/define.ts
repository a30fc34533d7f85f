import { z } from 'zod'

/** Per channel: a tuple schema for its arguments and a name for each position (for field errors). */
export interface ChannelSchema {
  args: z.ZodType<unknown[]>
  names: readonly string[]
  /** The arguments hold a secret (a passphrase): the dispatcher never logs them. */
  sensitive?: boolean
}

/** Shape every domain's contract interface has (an interface, so no index signature). */
export type ChannelMap<C> = { [K in keyof C]: { args: unknown[]; result: unknown } }

/** One schema per channel of a domain; `satisfies SchemasOf<X>` keeps the two in step. */
export type SchemasOf<C extends ChannelMap<C>> = { [K in keyof C]: ChannelSchema }

export function channel(names: readonly string[], ...items: z.ZodType[]): ChannelSchema {
  // A tuple without a rest element: extra arguments are an error, not silently dropped.
  return { args: z.tuple(items as [z.ZodType, ...z.ZodType[]]) as z.ZodType<unknown[]>, names }
}

/** A channel whose arguments carry a secret: same as `channel`, but its arguments are never logged. */
export function sensitiveChannel(names: readonly string[], ...items: z.ZodType[]): ChannelSchema {
  return { ...channel(names, ...items), sensitive: true }
}
