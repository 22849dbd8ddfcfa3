import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { createTestCaller } from "./caller.ts";
import { harnessPerFile } from "./harness-per-file.ts";
import type { Harness, RecallClient } from "./harness.ts";

let harness: Harness;
let client: RecallClient;
let userId: string;
harnessPerFile({}, (context) => ({ harness, client, userId } = context));

describe("createTestCaller", () => {
  it("calls the real procedures in process, with domain errors mapped as over HTTP", async () => {
    const caller = createTestCaller(harness.recall.services, userId);
    const session = await caller.session.create({ title: "In process" });
    expect((await client.session.list.query()).items.map((item) => item.id)).toEqual([session.id]);
    const missing = await caller.session.rename({ sessionId: "no-such-chat", title: "x" }).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(TRPCError);
    expect(missing).toMatchObject({ code: "NOT_FOUND", message: "That chat does not exist or is not yours." });
    await expect(createTestCaller(harness.recall.services, null).session.list({})).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});
