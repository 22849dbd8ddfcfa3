import { z } from "zod";

export const streamEndReasons = ["stopped", "shutdown", "client-gone"] as const;

/** One event of an assistant message's stream. Deltas may carry several model tokens (coalesced frames). */
export const streamEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("delta"), text: z.string() }),
  /** The whole text so far: sent when the fine-grained log is gone (finished long ago, or another instance). */
  z.object({ type: z.literal("snapshot"), content: z.string(), status: z.enum(["streaming", "complete", "interrupted", "error"]) }),
  z.object({
    type: z.literal("done"),
    promptTokens: z.number().int().nullable(),
    completionTokens: z.number().int().nullable(),
    doneReason: z.string().nullable(),
  }),
  z.object({ type: z.literal("interrupted"), reason: z.enum(streamEndReasons) }),
  z.object({ type: z.literal("error"), code: z.string(), message: z.string() }),
]);
export type StreamEvent = z.infer<typeof streamEventSchema>;
export type StreamEndEvent = Extract<StreamEvent, { type: "done" | "interrupted" | "error" }>;

export function isFinalStreamEvent(event: StreamEvent): boolean {
  return event.type === "done" || event.type === "interrupted" || event.type === "error" ||
    (event.type === "snapshot" && event.status !== "streaming");
}
