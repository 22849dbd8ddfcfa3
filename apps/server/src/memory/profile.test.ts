import { describe, expect, it } from "vitest";
import { collectStream, waitFor, type Harness, type RecallClient } from "../testing/harness.ts";
import { harnessPerFile } from "../testing/harness-per-file.ts";

let harness: Harness;
let client: RecallClient;

harnessPerFile({}, (context) => ({ harness, client } = context));

async function say(sessionId: string, content: string) {
  const { assistantMessage } = await client.message.send.mutate({ sessionId, content });
  await collectStream(client, assistantMessage.id);
  return assistantMessage;
}

describe("the user profile", () => {
  it("learns facts from what the user says, and the next reply sees them", async () => {
    const session = await client.session.create.mutate({});
    await say(session.id, "Hi! My name is Priya and I work as a nurse.");
    const facts = await waitFor(async () => {
      const list = await client.profile.list.query();
      return list.length >= 2 ? list : null;
    });
    expect(facts.map((fact) => [fact.kind, fact.value, fact.source]).sort()).toEqual([
      ["name", "Priya", "pattern"],
      ["role", "nurse", "pattern"],
    ]);

    // Same chat: the user's own words are still in the prompt verbatim, and the profile waits
    // for the next fresh layout (changing the frame mid-chat would make Ollama re-read it all).
    await say(session.id, "What should I cook tonight?");
    const lastPrompt = () => (harness.fake.requests.filter((request) => request.path === "/api/chat").at(-1)?.body as { messages: Array<{ role: string; content: string }> }).messages;
    expect(lastPrompt().some((message) => message.role === "user" && message.content.includes("Priya"))).toBe(true);
    // A new chat sees the profile.
    const next = await client.session.create.mutate({});
    await say(next.id, "What should I cook tonight?");
    expect(lastPrompt().some((message) => message.role === "system" && message.content.includes("Priya") && message.content.includes("nurse"))).toBe(true);
  });

  it("does not mistake states for names, and replaces a name that changes", async () => {
    const session = await client.session.create.mutate({});
    await say(session.id, "I'm tired and I'm not sure what to do today.");
    await say(session.id, "My name is Robert.");
    await waitFor(async () => (await client.profile.list.query()).some((fact) => fact.value === "Robert"));
    await say(session.id, "Actually, please call me Bob.");
    const names = await waitFor(async () => {
      const list = (await client.profile.list.query()).filter((fact) => fact.kind === "name");
      return list.length === 1 && list[0]?.value === "Bob" ? list : null;
    });
    expect(names).toHaveLength(1);
    expect((await client.profile.list.query()).some((fact) => /tired|sure/i.test(fact.value))).toBe(false);
  });

  it("lets the user add, correct and forget facts, and nobody else", async () => {
    const added = await client.profile.add.mutate({ kind: "preference", value: "short answers" });
    expect(added.source).toBe("user");
    const updated = await client.profile.update.mutate({ factId: added.id, value: "short answers with examples" });
    expect(updated.value).toBe("short answers with examples");

    const stranger = await harness.newUser();
    await expect(stranger.client.profile.update.mutate({ factId: added.id, value: "x" })).rejects.toMatchObject({ data: { code: "NOT_FOUND" } });
    await expect(stranger.client.profile.delete.mutate({ factId: added.id })).rejects.toMatchObject({ data: { code: "NOT_FOUND" } });
    expect(await stranger.client.profile.list.query()).toEqual([]);

    await expect(client.profile.update.mutate({ factId: added.id, value: "   " })).rejects.toMatchObject({ data: { code: "BAD_REQUEST" } });
    await client.profile.delete.mutate({ factId: added.id });
    expect(await client.profile.list.query()).toEqual([]);
  });
});
