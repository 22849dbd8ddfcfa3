/** The ports of the reply queue: what `chat/generation.ts` waits on, and the slots shared across instances. */

/** The model call a reply will make: what the Ollama pool routes it by. */
export interface ModelCall {
  model: string;
  numCtx?: number | undefined;
  affinityKey?: string | undefined;
}

/** A running slot's release; `host`: the Ollama host it holds a shared slot on (start the call there). */
export type SlotRelease = (() => void) & { readonly host?: string };

/** Where a model call waits for its turn (`chat/generation.ts`); resolves with the slot's release. */
export interface GenerationSlots {
  /**
   * `messageId`: the reply, so its place in the queue can be told (`waitingAheadOf`).
   * `onPlace`: told the replies ahead of this one when it starts waiting, whenever that
   * changes, and again every `placeRepeatMs` while it waits (a keep-alive for the stream).
   * `call`: the model call, so a slot shared across instances is taken on a host it may run on.
   */
  acquire(userId: string, signal: AbortSignal, messageId?: string, onPlace?: (ahead: number) => void, call?: ModelCall): Promise<SlotRelease>;
}

export const unlimitedSlots: GenerationSlots = { acquire: async () => () => {} };

export type SharedSlotOutcome = { kind: "taken"; host: string; release(): void } | { kind: "full" } | { kind: "unavailable" };

/**
 * Ollama slots counted across instances (scaled mode, `shared-model-slots.ts`): a reply starts
 * only once it holds one. "unavailable" (Redis away): the queue counts on its own meanwhile.
 */
export interface SharedSlots {
  take(call: ModelCall): Promise<SharedSlotOutcome>;
  /** Called when a slot may have freed on any instance (and periodically, for missed messages and lapsed leases). */
  onMaybeFree(listener: () => void): () => void;
}
