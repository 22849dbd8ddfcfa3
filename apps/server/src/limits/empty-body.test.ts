import { describe, expect, it } from "vitest";
import { createClient, trpcRejection, type Harness } from "../testing/harness.ts";
import { harnessPerFile } from "../testing/harness-per-file.ts";

let harness: Harness;

harnessPerFile({}, (context) => ({ harness } = context));

describe("a mutation sent without input", () => {
  it("works over tRPC's unbatched httpLink, which sends a JSON POST with no body", async () => {
    const client = createClient(harness.url, null, { batch: false });
    const { accessToken } = await client.auth.token.mutate();
    expect(accessToken.split(".")).toHaveLength(3);
    const session = await createClient(harness.url, accessToken, { batch: false }).session.create.mutate(undefined as never);
    expect(session.id).toBeTruthy();
  });

  it("gets the input's own message, not a JSON parse error, when the input is required", async () => {
    const response = await fetch(`${harness.url}/trpc/message.send`, { method: "POST", headers: { "content-type": "application/json" } });
    const body = (await response.json()) as { error: { message: string; data: { code: string } } };
    // No identity: refused before the input matters; with one, the input's message.
    expect(body.error.data.code).toBe("UNAUTHORIZED");
    const { token } = await harness.newUser();
    const refusal = await trpcRejection(createClient(harness.url, token, { batch: false }).message.send.mutate(undefined as never));
    expect(refusal.code).toBe("BAD_REQUEST");
    expect(refusal.message).not.toMatch(/JSON/);
  });
});
