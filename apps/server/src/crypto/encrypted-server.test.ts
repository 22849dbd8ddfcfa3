import { createTestDatabase, type TestDatabase } from "@recall/db/testing";
import { afterEach, describe, expect, it } from "vitest";
import { canary, canaryAtRest, canaryModel, eagerMemory, expectReadable, plantCanary, say } from "../testing/canary.ts";
import { startHarness, waitFor, type Harness, type RecallClient } from "../testing/harness.ts";
import { runKeyRotationCommand } from "./key-rotation-command.ts";
import { generateMasterKey } from "./master-keys.ts";
import { runReencryptCommand } from "./reencrypt-command.ts";

let harness: Harness | undefined;
let database: TestDatabase | undefined;
afterEach(async () => {
  await harness?.close();
  await database?.close();
  harness = undefined;
  database = undefined;
});

/** Recall again on the same database with other keys: a restart, so nothing is cached. */
async function restart(encryptionKeys: string | null): Promise<Harness> {
  await harness?.close();
  harness = await startHarness({ fake: canaryModel(), config: { ...eagerMemory, encryptionKeys }, database });
  return harness;
}

describe("key rotation", () => {
  it("keeps everything readable through the API: plaintext rows encrypted online, master key rewrapped, data keys rotated and every column re-encrypted", async () => {
    database = await createTestDatabase();
    const [key1, key2] = [generateMasterKey(), generateMasterKey()];
    const lines: string[] = [];
    const reencrypt = (argv: string[], keys: string) =>
      runReencryptCommand({ argv, databaseUrl: database!.url, masterKeySetting: { keys }, print: (line) => lines.push(line), serverKeyCacheMs: 0 });
    const status = async (keys: string) => {
      lines.length = 0;
      expect(await reencrypt(["--status"], keys)).toBe(0);
      return [...lines];
    };

    // Written in the clear, including text a user typed that looks like ciphertext.
    let server = await restart(null);
    const alice = await server.newUser();
    const chats = await plantCanary(server, alice.client);
    await say(alice.client, chats.second, "rc1.1.abc.def");
    const lookalike = async (client: RecallClient) => (await client.message.list.query({ sessionId: chats.second, limit: 50 })).items.some((message) => message.content === "rc1.1.abc.def");

    // Encryption turned on: old rows read as they are, and keys:reencrypt converts them while the server runs.
    server = await restart(`1:${key1}`);
    let client = server.clientFor(alice.token);
    await expectReadable(server, client, chats);
    expect(await lookalike(client)).toBe(true);
    await say(client, chats.second, `Encrypted from now on: ${canary}`);
    expect((await status(`1:${key1}`)).join("\n")).toMatch(/Message\.content: .*in the clear/);
    expect(await reencrypt([], `1:${key1}`)).toBe(0);
    const converted = await status(`1:${key1}`);
    expect(converted.join("\n")).not.toMatch(/in the clear/);
    expect(converted).toEqual(expect.arrayContaining([expect.stringMatching(/^ChatSession\.title: \d+ data key v1$/), expect.stringMatching(/^Message\.contextJson: \d+ data key v1$/), expect.stringMatching(/^ProfileFact\.value: 3 data key v1$/)]));
    await expectReadable(server, client, chats);
    expect(await canaryAtRest(server, undefined)).toEqual([]);

    // Master key rotation: rewrap under version 2, then run with version 2 alone.
    lines.length = 0;
    expect(await runKeyRotationCommand({ argv: [], databaseUrl: database.url, masterKeySetting: { keys: `2:${key2},1:${key1}` }, print: (line) => lines.push(line) })).toBe(0);
    expect(lines.join("\n")).toMatch(/version\(s\) 1 wrap nothing any more/);
    server = await restart(`2:${key2}`);
    client = server.clientFor(alice.token);
    await expectReadable(server, client, chats);

    // Data-key rotation: every column under data key version 2 while the server keeps writing, then version 1 retired.
    expect(await reencrypt(["--rotate-data-keys"], `2:${key2}`)).toBe(0);
    await say(client, chats.second, `Written while rotating: ${canary}`);
    let retired = false;
    for (let attempt = 0; attempt < 3 && !retired; attempt += 1) {
      lines.length = 0;
      expect(await reencrypt(["--retire"], `2:${key2}`)).toBe(0);
      retired = lines.some((line) => /^Retired 1 older data key version/.test(line));
    }
    expect(retired).toBe(true);
    expect((await status(`2:${key2}`)).every((line) => /: (\d+ data key v2|no values)$/.test(line))).toBe(true);
    expect(await database.prisma.userKey.findMany({ where: { userId: alice.userId }, select: { version: true } })).toEqual([{ version: 2 }]);

    // A fresh server holds only version 2: everything still reads.
    server = await restart(`2:${key2}`);
    client = server.clientFor(alice.token);
    await expectReadable(server, client, chats);
    expect(await lookalike(client)).toBe(true);
    expect(await canaryAtRest(server, undefined)).toEqual([]);
  });
});

describe("search with encryption on", () => {
  /** The same chats, searched the same way: the SQL search without a key, the decrypted scan with one. */
  async function searchResults(encryptionKeys: string | null) {
    harness = await startHarness({ config: { encryptionKeys } });
    const { client } = await harness.newUser();
    const chat = async (messages: string[]) => {
      const session = await client.session.create.mutate({});
      for (const content of messages) await say(client, session.id, content);
      return session.id;
    };
    await chat(["Planning the Lisbon trip", "Which tram goes to Belém?"]);
    await chat(["Numbers: we saw 100% of the TRAM_lines", "and café ✓ prices"]);
    await chat(["Something else entirely"]);
    await chat(["rc1.1.abc.def is what I typed", "rc1.1.AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBB too"]);
    const search = async (query: string) =>
      (await client.session.search.query({ query })).items.map((hit) => ({ title: hit.session.title, match: hit.match, snippet: hit.snippet }));
    const results = {
      lisbon: await search("LISBON"),
      tram: await search("tram"),
      literal: await search("100%"),
      underscore: await search("tram_l"),
      accented: await search("café ✓"),
      none: await search("nowhere at all"),
      lookalike: await search("RC1.1.ABC"),
      lookalikeMessage: await search("AAAA.BBBB"),
    };
    // Found as soon as it is sent, without a reload (the index is kept current).
    const later = await chat(["A late note about zebras"]);
    const zebra = await waitFor(async () => (await client.session.search.query({ query: "zebras" })).items.find((hit) => hit.session.id === later));
    await harness.close();
    harness = undefined;
    return { results, zebra: zebra.match };
  }

  it("finds chats by a case-insensitive substring of title or message, newest first, as the SQL search does without a key", async () => {
    const encrypted = await searchResults(`1:${generateMasterKey()}`);
    const plain = await searchResults(null);
    expect(encrypted).toEqual(plain);
    expect(encrypted.results.lisbon).toEqual([{ title: "Planning the Lisbon trip", match: "title", snippet: null }]);
    expect(encrypted.results.tram.map((hit) => hit.title)).toEqual(["Numbers: we saw 100% of the TRAM_lines", "Planning the Lisbon trip"]);
    expect(encrypted.results.underscore).toHaveLength(1);
    expect(encrypted.results.none).toEqual([]);
    // Text that looks like a stored value reads back as typed, title and snippet alike.
    expect(encrypted.results.lookalike).toEqual([{ title: "rc1.1.abc.def is what I typed", match: "title", snippet: null }]);
    expect(encrypted.results.lookalikeMessage[0]?.snippet).toBe("rc1.1.AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBB too");
    expect(encrypted.zebra).toBe("title");
  });
});
