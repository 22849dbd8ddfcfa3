import { createTestDatabase, type TestDatabase } from "@recall/db/testing";
import type { Clock } from "@recall/memory";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, startHarness, trpcRejection, type Harness } from "../testing/harness.ts";

let database: TestDatabase;
let first: Harness;
let second: Harness;
let now = Date.now();
const clock: Clock = { now: () => new Date(now) };

beforeAll(async () => {
  database = await createTestDatabase();
  // Two instances of Recall on one database, as behind a load balancer (no Redis).
  first = await startHarness({ database, recall: { clock } });
  second = await startHarness({ database, recall: { clock } });
});
afterAll(async () => {
  await first?.close();
  await second?.close();
  await database?.close();
});

describe("a session ended on one instance", () => {
  it("is refused on that instance at once and on another within the 30 s its session cache keeps an answer", async () => {
    const { accessToken } = await createClient(first.url, null).auth.token.mutate();
    // The second instance has checked the session once and keeps the answer.
    expect((await createClient(second.url, accessToken).auth.me.query()).kind).toBe("anonymous");

    await createClient(first.url, accessToken).auth.logOut.mutate();
    expect((await trpcRejection(createClient(first.url, accessToken).auth.me.query())).code).toBe("UNAUTHORIZED");
    // What the README says: another instance may still accept it for up to 30 s...
    now += 29_000;
    expect((await createClient(second.url, accessToken).auth.me.query()).kind).toBe("anonymous");
    // ...and no longer.
    now += 2_000;
    expect((await trpcRejection(createClient(second.url, accessToken).auth.me.query())).code).toBe("UNAUTHORIZED");
  });
});
