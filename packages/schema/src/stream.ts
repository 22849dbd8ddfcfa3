import { z } from "zod";
import { messageStatusSchema } from "./chat.ts";

/** Why a reply ended `interrupted`: the user stopped it, the server shut down, or nobody watched it any more. */
export const streamEndReasons = ["stopped", "shutdown", "client-gone"] as const;
export const streamEndReasonSchema = z.enum(streamEndReasons);
export type StreamEndReason = z.infer<typeof streamEndReasonSchema>;

/** Why a model call failed, stable for clients to branch on (the adapter's `LlmError.code`). */
export const streamErrorCodes = ["OLLAMA_UNREACHABLE", "MODEL_NOT_FOUND", "MODEL_ERROR", "STREAM_BROKEN", "MODEL_TIMEOUT", "CONTENT_BLOCKED"] as const;
export const streamErrorCodeSchema = z.enum(streamErrorCodes);
export type StreamErrorCode = z.infer<typeof streamErrorCodeSchema>;

/**
 * Ollama's `done_reason`: `stop` (the model finished), `length` (it hit `num_predict` or the
 * context), `load` / `unload` (a request without messages). Anything else arrives as null.
 */
export const doneReasons = ["stop", "length", "load", "unload"] as const;
export const doneReasonSchema = z.enum(doneReasons);
export type DoneReason = z.infer<typeof doneReasonSchema>;

/** A done reason as Ollama sent it, or null when it sent none or one this contract does not know. */
export function parseDoneReason(value: unknown): DoneReason | null {
  const parsed = doneReasonSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** One event of an assistant message's stream. Deltas may carry several model tokens (coalesced frames). */
export const streamEventSchema = z.discriminatedUnion("type", [
  /**
   * The reply waits for a model slot behind `ahead` others (fair across users): sent when it starts
   * waiting, whenever its place changes, and again through a long wait. Its text follows once it starts.
   */
  z.object({ type: z.literal("queued"), ahead: z.number().int().min(0) }),
  z.object({ type: z.literal("delta"), text: z.string() }),
  /** The whole text so far: sent when the fine-grained log is gone (finished long ago, or another instance). */
  z.object({ type: z.literal("snapshot"), content: z.string(), status: messageStatusSchema }),
  z.object({
    type: z.literal("done"),
    promptTokens: z.number().int().nullable(),
    completionTokens: z.number().int().nullable(),
    doneReason: doneReasonSchema.nullable(),
  }),
  z.object({ type: z.literal("interrupted"), reason: streamEndReasonSchema }),
  z.object({ type: z.literal("error"), code: streamErrorCodeSchema, message: z.string() }),
]);
export type StreamEvent = z.infer<typeof streamEventSchema>;
export type StreamEndEvent = Extract<StreamEvent, { type: "done" | "interrupted" | "error" }>;

export function isFinalStreamEvent(event: StreamEvent): boolean {
  return event.type === "done" || event.type === "interrupted" || event.type === "error" ||
    (event.type === "snapshot" && event.status !== "streaming");
}
