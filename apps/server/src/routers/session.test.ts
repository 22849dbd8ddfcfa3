import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness, trpcRejection } from "../testing/harness.ts";

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
});

async function expectTrpcError(call: Promise<unknown>, code: string): Promise<{ code: string | undefined; message: string }> {
  const rejection = await trpcRejection(call);
  expect(rejection.code).toBe(code);
  return rejection;
}

describe("sessions over HTTP", () => {
  it("creates, lists newest first, renames and deletes", async () => {
    const { client } = await harness.newUser();
    const first = await client.session.create.mutate({ title: "First" });
    const second = await client.session.create.mutate({});
    expect(second.title).toBe("New chat");
    expect(new Date(first.createdAt).getTime()).not.toBeNaN();

    const listed = await client.session.list.query();
    expect(listed.items.map((session) => session.id)).toEqual([second.id, first.id]);

    const renamed = await client.session.rename.mutate({ sessionId: first.id, title: "  Renamed  " });
    expect(renamed.title).toBe("Renamed");
    expect((await client.session.list.query()).items[0]?.id).toBe(first.id);

    await client.session.delete.mutate({ sessionId: first.id });
    expect((await client.session.list.query()).items.map((session) => session.id)).toEqual([second.id]);
    await expectTrpcError(client.session.delete.mutate({ sessionId: first.id }), "NOT_FOUND");
  });

  it("pages with a cursor", async () => {
    const { client } = await harness.newUser();
    const created = [];
    for (let index = 0; index < 5; index += 1) created.push(await client.session.create.mutate({ title: `Chat ${index}` }));
    const page1 = await client.session.list.query({ limit: 2 });
    const page2 = await client.session.list.query({ limit: 2, cursor: page1.nextCursor! });
    const page3 = await client.session.list.query({ limit: 2, cursor: page2.nextCursor! });
    expect([...page1.items, ...page2.items, ...page3.items].map((session) => session.title)).toEqual(["Chat 4", "Chat 3", "Chat 2", "Chat 1", "Chat 0"]);
    expect(page3.nextCursor).toBeNull();
  });

  it("keeps every user to their own chats", async () => {
    const alice = await harness.newUser();
    const bob = await harness.newUser();
    const secret = await alice.client.session.create.mutate({ title: "Alice's plans" });
    expect((await bob.client.session.list.query()).items).toEqual([]);
    await expectTrpcError(bob.client.session.rename.mutate({ sessionId: secret.id, title: "mine" }), "NOT_FOUND");
    await expectTrpcError(bob.client.session.delete.mutate({ sessionId: secret.id }), "NOT_FOUND");
    await expectTrpcError(bob.client.message.list.query({ sessionId: secret.id }), "NOT_FOUND");
    expect((await alice.client.session.list.query()).items[0]?.title).toBe("Alice's plans");
  });

  it("refuses callers without an identity, and forged ones", async () => {
    await expectTrpcError(harness.clientFor(null).session.list.query(), "UNAUTHORIZED");
    const { userId } = await harness.newUser();
    await expectTrpcError(harness.clientFor(`${userId}.forged`).session.list.query(), "UNAUTHORIZED");
  });

  it("gives typed, readable errors for bad input", async () => {
    const { client } = await harness.newUser();
    const empty = await expectTrpcError(client.session.create.mutate({ title: "   " }), "BAD_REQUEST");
    expect(empty.message).toBe("A chat title cannot be empty.");
    const long = await expectTrpcError(client.session.create.mutate({ title: "x".repeat(201) }), "BAD_REQUEST");
    expect(long.message).toMatch(/at most 200 characters/);
    await expectTrpcError(client.session.rename.mutate({ sessionId: "no-such-chat", title: "x" }), "NOT_FOUND");
    await expectTrpcError(client.session.rename.mutate({ sessionId: "../../etc", title: "x" }), "BAD_REQUEST");
  });

  it("reports health without an identity", async () => {
    const health = await harness.clientFor(null).health.query();
    expect(health.ok).toBe(true);
    expect(health.database).toBe(harness.database.provider);
  });
});
