import { makeMarkdown, sampleParagraph } from "@recall/document-parser/testing";
import { createTestDatabase, type TestDatabase } from "@recall/db/testing";
import { afterEach, describe, expect, it } from "vitest";
import { generateMasterKey } from "../crypto/master-keys.ts";
import { runReencryptCommand } from "../crypto/reencrypt-command.ts";
import { startHarness, type Harness } from "../testing/harness.ts";

let harness: Harness | undefined;
let database: TestDatabase | undefined;
afterEach(async () => {
  await harness?.close();
  await database?.close();
  harness = undefined;
  database = undefined;
});

async function restart(encryptionKeys: string | null): Promise<Harness> {
  await harness?.close();
  harness = await startHarness({ config: { encryptionKeys }, database });
  return harness;
}

const report = makeMarkdown({
  title: "Valve report",
  sections: [
    { heading: "Setup", paragraphs: [sampleParagraph(31)] },
    { heading: "Findings", paragraphs: ["The bypass valve sticks below four degrees Celsius.", sampleParagraph(32)] },
  ],
});

describe("document search through key changes", () => {
  it("finds passages again after encryption is turned on and after the data keys rotate, once keys:reencrypt has run", async () => {
    database = await createTestDatabase();
    const [key1, key2] = [generateMasterKey(), generateMasterKey()];
    const lines: string[] = [];
    const reencrypt = (argv: string[], keys: string) => runReencryptCommand({ argv, databaseUrl: database!.url, masterKeySetting: { keys }, print: (line) => lines.push(line), serverKeyCacheMs: 0 });
    const question = "When does the bypass valve stick?";

    let server = await restart(null);
    const { client, userId } = await server.newUser();
    const session = await client.session.create.mutate({});
    const form = new FormData();
    form.append("file", new File([report], "valves.md"));
    form.append("sessionId", session.id);
    await client.document.upload.mutate(form);
    await server.recall.services.documents.idle();
    const found = async () => (await harness!.recall.services.documents.search({ userId, sessionId: session.id, query: question, limit: 3 })).some((hit) => hit.text.includes("sticks below four degrees"));
    expect(await found()).toBe(true);

    // Indexed in the clear, searched with keyed terms: nothing matches until the index is rewritten.
    server = await restart(`1:${key1}`);
    expect(await found()).toBe(false);
    expect(await reencrypt([], `1:${key1}`)).toBe(0);
    expect(lines).toContain("Documents: indexed 1 again under the current data keys.");
    server = await restart(`1:${key1}`);
    expect(await found()).toBe(true);

    // A new data key: terms under the old one would match nothing; the command rewrites them.
    expect(await reencrypt(["--rotate-data-keys"], `2:${key2},1:${key1}`)).toBe(0);
    server = await restart(`2:${key2},1:${key1}`);
    expect(await found()).toBe(true);
  });
});
