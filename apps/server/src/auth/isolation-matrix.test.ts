import type { Clock } from "@recall/memory";
import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppRouter } from "../router.ts";
import { collectStream, startHarness, type Harness, type RecallClient } from "../testing/harness.ts";

/**
 * Every procedure of the router, called as its owner, another user, a stranger with no
 * token, a deleted user, and with the owner's expired, tampered and revoked tokens. The
 * table says what each procedure is; a procedure missing from it fails the test.
 */
type Access =
  /** Anyone, no identity needed: called as a stranger, and nothing of the owner may show. */
  | "public"
  /** The caller's own data, no id: any valid identity; another user's call must not show the owner's data. */
  | "self"
  /** A resource of the owner, named by id: the owner only. */
  | "owned"
  /** An administrator only (`RECALL_ADMIN_USERS`). */
  | "admin";

interface Fixture {
  login: string;
  password: string;
  saved: { sessionId: string; messageId: string };
  temporary: { sessionId: string; messageId: string };
  factId: string;
  episodeId: string;
  /** A ready document in each chat, with one of its passages. */
  documents: Array<{ documentId: string; chunkId: string; sessionId: string }>;
}

interface Rule {
  access: Access;
  /** Valid inputs built from the owner's fixture: the owner's call must succeed with each. */
  inputs?: (fixture: Fixture) => unknown[];
}

const chats = (build: (chat: Fixture["saved"]) => unknown) => (fixture: Fixture) => [build(fixture.saved), build(fixture.temporary)];
const documents = (build: (document: Fixture["documents"][number]) => unknown) => (fixture: Fixture) => fixture.documents.map(build);

/** A small Markdown file marked CANARY, as the web app uploads it (a fresh form for every call). */
function canaryForm(sessionId: string): FormData {
  const form = new FormData();
  form.append("file", new File(["# CANARY notes\n\nThe CANARY valve opens at 3 bar and closes at 1 bar.\n"], "CANARY.md"));
  form.append("sessionId", sessionId);
  return form;
}

const classification: Record<string, Rule> = {
  "auth.ensure": { access: "public" },
  "auth.me": { access: "self" },
  "auth.token": { access: "public" },
  "auth.refresh": { access: "public", inputs: () => [{ refreshToken: `rt1_${"A".repeat(43)}` }] },
  "auth.signUp": { access: "public", inputs: () => [{ login: `matrix-${Date.now()}-${Math.random().toString(36).slice(2)}`, password: "matrix password" }] },
  "auth.logIn": { access: "public", inputs: () => [{ login: "nobody-here", password: "matrix password" }] },
  "auth.logOut": { access: "public" },
  "auth.logOutEverywhere": { access: "self" },
  "auth.changePassword": { access: "self", inputs: (fixture) => [{ currentPassword: fixture.password, newPassword: "a brand new password" }] },
  health: { access: "public" },
  settings: { access: "public" },
  "models.list": { access: "self" },
  "session.create": { access: "self", inputs: () => [{}, { ephemeral: true }] },
  "session.list": { access: "self", inputs: () => [{}] },
  "session.search": { access: "self", inputs: () => [{ query: "CANARY" }] },
  "session.rename": { access: "owned", inputs: chats((chat) => ({ sessionId: chat.sessionId, title: "Renamed" })) },
  "session.delete": { access: "owned", inputs: chats((chat) => ({ sessionId: chat.sessionId })) },
  "message.list": { access: "owned", inputs: chats((chat) => ({ sessionId: chat.sessionId })) },
  "message.thread": { access: "owned", inputs: chats((chat) => ({ sessionId: chat.sessionId })) },
  "message.send": { access: "owned", inputs: chats((chat) => ({ sessionId: chat.sessionId, content: "Another question." })) },
  "message.regenerate": { access: "owned", inputs: chats((chat) => ({ messageId: chat.messageId })) },
  "message.stream": { access: "owned", inputs: chats((chat) => ({ messageId: chat.messageId })) },
  "message.context": { access: "owned", inputs: chats((chat) => ({ messageId: chat.messageId })) },
  "message.stop": { access: "owned", inputs: chats((chat) => ({ messageId: chat.messageId })) },
  "profile.list": { access: "self" },
  "profile.add": { access: "self", inputs: () => [{ kind: "interest", value: "tiles" }] },
  "profile.update": { access: "owned", inputs: (fixture) => [{ factId: fixture.factId, value: "Changed" }] },
  "profile.delete": { access: "owned", inputs: (fixture) => [{ factId: fixture.factId }] },
  "memory.buildContext": { access: "owned", inputs: chats((chat) => ({ sessionId: chat.sessionId, message: "What did I say?" })) },
  "memory.extractProfile": { access: "owned", inputs: chats((chat) => ({ sessionId: chat.sessionId })) },
  "memory.stats": { access: "admin" },
  "document.upload": { access: "owned", inputs: chats((chat) => canaryForm(chat.sessionId)) },
  "document.list": { access: "owned", inputs: chats((chat) => ({ sessionId: chat.sessionId })) },
  "document.library": { access: "self" },
  "document.get": { access: "owned", inputs: documents((document) => ({ documentId: document.documentId })) },
  "document.text": { access: "owned", inputs: documents((document) => ({ documentId: document.documentId })) },
  "document.passage": { access: "owned", inputs: documents((document) => ({ chunkId: document.chunkId })) },
  "document.attach": { access: "owned", inputs: documents((document) => ({ documentId: document.documentId, sessionId: document.sessionId })) },
  "document.detach": { access: "owned", inputs: documents((document) => ({ documentId: document.documentId, sessionId: document.sessionId })) },
  "document.keep": { access: "owned", inputs: (fixture) => [{ documentId: fixture.documents[0]!.documentId, kept: true }] },
  "document.delete": { access: "owned", inputs: documents((document) => ({ documentId: document.documentId })) },
  "admin.stats": { access: "admin", inputs: () => [{ days: 7 }] },
  "episode.list": { access: "self" },
  "episode.update": { access: "owned", inputs: (fixture) => [{ episodeId: fixture.episodeId, summary: "Edited.", facts: [] }] },
  "episode.delete": { access: "owned", inputs: (fixture) => [{ episodeId: fixture.episodeId }] },
  "export.chat": { access: "owned", inputs: chats((chat) => ({ sessionId: chat.sessionId, format: "json" })) },
  "export.all": { access: "self", inputs: () => [{ format: "json" }] },
  "account.deleteAll": { access: "self", inputs: () => [{ confirm: "delete my data" }] },
};

type Role = "owner" | "other" | "stranger" | "deleted" | "expired" | "tampered" | "revoked" | "admin";
const attackers: Role[] = ["other", "stranger", "deleted", "expired", "tampered", "revoked"];

let now = Date.now();
const clock: Clock = { now: () => new Date(now) };
let harness: Harness;
let adminToken: string;
let serial = 0;
beforeAll(async () => {
  harness = await startHarness({ recall: { clock }, config: { adminUsers: ["matrix-admin"] } });
  const admin = await (await harness.newUser()).client.auth.signUp.mutate({ login: "matrix-admin", password: "matrix admin password" });
  adminToken = admin.tokens!.accessToken;
});
afterAll(async () => {
  await harness?.close();
});

const procedures = (): Record<string, { _def: { type: "query" | "mutation" | "subscription" } }> =>
  createAppRouter(harness.recall.services)._def.procedures as unknown as Record<string, { _def: { type: "query" | "mutation" | "subscription" } }>;

/** An account with a saved and a temporary chat (each with a finished reply), a fact and an episode, all marked CANARY. */
async function ownerWithData(): Promise<{ client: RecallClient; token: string; fixture: Fixture }> {
  const anonymous = await harness.newUser();
  const password = `owner password ${serial}`;
  const login = `owner-${Date.now()}-${serial++}`;
  const { tokens } = await anonymous.client.auth.signUp.mutate({ login, password });
  const token = tokens!.accessToken;
  const client = harness.clientFor(token);
  const chat = async (ephemeral: boolean) => {
    const session = await client.session.create.mutate({ title: "CANARY chat", ephemeral });
    const { assistantMessage } = await client.message.send.mutate({ sessionId: session.id, content: "CANARY message" });
    await collectStream(client, assistantMessage.id);
    return { sessionId: session.id, messageId: assistantMessage.id };
  };
  const saved = await chat(false);
  const temporary = await chat(true);
  const fact = await client.profile.add.mutate({ kind: "other", value: "CANARY fact" });
  const uploaded = [];
  for (const chat of [saved, temporary]) {
    const document = await client.document.upload.mutate(canaryForm(chat.sessionId));
    await harness.recall.services.documents.idle();
    const [hit] = await harness.recall.services.documents.search({ userId: anonymous.userId, sessionId: chat.sessionId, query: "When does the CANARY valve open?", limit: 1 });
    uploaded.push({ documentId: document.id, chunkId: hit!.chunkId, sessionId: chat.sessionId });
  }
  const episode = await harness.database.prisma.episode.create({
    data: { userId: anonymous.userId, sessionId: saved.sessionId, summary: "CANARY episode", factsJson: "[]" },
  });
  return { client, token, fixture: { login, password, saved, temporary, factId: fact.id, episodeId: episode.id, documents: uploaded } };
}

/** The tokens each role calls with; the owner's expired, tampered and revoked ones are the owner's own. */
async function identities(owner: { client: RecallClient; token: string; fixture: Fixture }): Promise<Record<Role, string | null>> {
  const other = await harness.newUser();
  const deleted = await harness.newUser();
  await deleted.client.account.deleteAll.mutate({ confirm: "delete my data" });
  const saved = now;
  now -= 16 * 60_000;
  const expired = (await harness.clientFor(null).auth.token.mutate({ login: owner.fixture.login, password: owner.fixture.password })).accessToken;
  now = saved;
  const revoked = (await owner.client.auth.token.mutate()).accessToken;
  await harness.clientFor(revoked).auth.logOut.mutate();
  const [header, payload, signature] = owner.token.split(".") as [string, string, string];
  const tampered = `${header}.${payload}.${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`;
  return { owner: owner.token, other: other.token, stranger: null, deleted: deleted.token, expired, tampered, revoked, admin: adminToken };
}

type Outcome = { ok: true; data: unknown } | { ok: false; code: string | undefined };

async function call(client: RecallClient, path: string, type: "query" | "mutation" | "subscription", input: unknown): Promise<Outcome> {
  const procedure = path.split(".").reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], client) as {
    query: (input: unknown) => Promise<unknown>;
    mutate: (input: unknown) => Promise<unknown>;
    subscribe: (input: unknown, handlers: { onData: (data: unknown) => void; onError: (error: unknown) => void }) => { unsubscribe: () => void };
  };
  const failed = (error: unknown): Outcome => {
    if (!(error instanceof TRPCClientError)) throw error;
    return { ok: false, code: (error.data as { code?: string } | undefined)?.code };
  };
  if (type === "query") return procedure.query(input).then((data) => ({ ok: true, data }), failed);
  if (type === "mutation") return procedure.mutate(input).then((data) => ({ ok: true, data }), failed);
  return new Promise<Outcome>((resolve) => {
    const timer = setTimeout(() => {
      subscription.unsubscribe();
      resolve({ ok: false, code: "TIMEOUT" });
    }, 5000);
    const subscription = procedure.subscribe(input, {
      onData(data) {
        clearTimeout(timer);
        subscription.unsubscribe();
        resolve({ ok: true, data });
      },
      onError(error) {
        clearTimeout(timer);
        subscription.unsubscribe();
        resolve(failed(error));
      },
    });
  });
}

describe("the isolation matrix, generated from the router", () => {
  it("classifies every procedure (a new one fails here until it is added to the table)", () => {
    const names = Object.keys(procedures()).sort();
    expect(names.filter((name) => !(name in classification)), "procedures with no classification").toEqual([]);
    expect(Object.keys(classification).filter((name) => !names.includes(name)), "classified procedures that no longer exist").toEqual([]);
  });

  it("lets no call succeed that must not: 0 breaches over every procedure, role and input", async () => {
    const breaches: string[] = [];
    const ownerFailures: string[] = [];
    let attempts = 0;
    for (const [path, procedure] of Object.entries(procedures())) {
      const rule = classification[path];
      if (!rule) continue;
      const owner = await ownerWithData();
      const tokens = await identities(owner);
      const inputs = rule.inputs?.(owner.fixture) ?? [undefined];
      const type = procedure._def.type;
      const callers: Role[] = rule.access === "public" ? ["stranger"] : rule.access === "admin" ? [...attackers, "owner", "admin"] : [...attackers, "owner"];
      for (const input of inputs) {
        // The owner (or the admin) goes last: some of these calls delete what the others aim at.
        for (const role of callers) {
          const outcome = await call(harness.clientFor(tokens[role]), path, type, input);
          attempts++;
          const label = `${path} as ${role} with ${JSON.stringify(input) ?? "no input"}`;
          const mustSucceed = role === "admin" || (role === "owner" && rule.access !== "admin");
          if (mustSucceed) {
            if (!outcome.ok) ownerFailures.push(`${label}: ${outcome.code}`);
            continue;
          }
          const allowed = rule.access === "public" || (rule.access === "self" && role === "other");
          if (outcome.ok && !allowed) breaches.push(`${label}: succeeded`);
          // Where a call may succeed, it must not show the owner's data.
          if (outcome.ok && allowed && JSON.stringify(outcome.data).includes("CANARY")) breaches.push(`${label}: showed the owner's data`);
          if (!outcome.ok && outcome.code === "INTERNAL_SERVER_ERROR") breaches.push(`${label}: 500`);
        }
      }
    }
    expect(ownerFailures, "the owner's own calls must succeed, or the matrix proves nothing").toEqual([]);
    expect(breaches).toEqual([]);
    expect(attempts).toBeGreaterThan(300);
  }, 120_000);
});
