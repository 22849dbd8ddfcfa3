import type { EpisodeView, ExportedFile, ExportFormat, Message, ProfileFactView } from "@recall/schema";
import type { ChatWithMessages } from "../chat/chat-repository.ts";

/** What `export.all` adds to the chats: everything else Recall remembers about the user. */
export interface RememberedData {
  profile: ProfileFactView[];
  episodes: EpisodeView[];
}

const mimeTypes: Record<ExportFormat, string> = { markdown: "text/markdown; charset=utf-8", json: "application/json; charset=utf-8" };
const extensions: Record<ExportFormat, string> = { markdown: "md", json: "json" };

/** `recall-<slug-of-title>-<yyyy-mm-dd>.<ext>`: a filename every operating system accepts. */
export function chatFilename(title: string, format: ExportFormat, exportedAt: Date): string {
  return `recall-${slugify(title)}-${isoDay(exportedAt)}.${extensions[format]}`;
}

export function allChatsFilename(format: ExportFormat, exportedAt: Date): string {
  return `recall-export-${isoDay(exportedAt)}.${extensions[format]}`;
}

export function slugify(title: string): string {
  const slug = title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 60)
    .replace(/^-+|-+$/g, "");
  return slug || "chat";
}

export function exportChats(input: { chats: ChatWithMessages[]; format: ExportFormat; exportedAt: Date; filename: string; remembered?: RememberedData }): ExportedFile {
  const content = input.format === "json" ? chatsToJson(input.chats, input.exportedAt, input.remembered) : chatsToMarkdown(input.chats, input.exportedAt, input.remembered);
  return { filename: input.filename, mimeType: mimeTypes[input.format], content };
}

export function chatsToJson(chats: ChatWithMessages[], exportedAt: Date, remembered?: RememberedData): string {
  const document = { exportedAt: exportedAt.toISOString(), app: "Recall", chats, ...(remembered ? { profile: remembered.profile, episodes: remembered.episodes } : {}) };
  return `${JSON.stringify(document, null, 2)}\n`;
}

export function chatsToMarkdown(chats: ChatWithMessages[], exportedAt: Date, remembered?: RememberedData): string {
  const parts = chats.map((chat) => chatToMarkdown(chat, exportedAt));
  if (remembered) parts.push(rememberedToMarkdown(remembered));
  if (parts.length === 0) parts.push(`_No chats to export (exported from Recall on ${isoDay(exportedAt)})._`);
  return `${parts.join("\n\n---\n\n")}\n`;
}

/** The branch that ends at the newest message, oldest first: what the user last saw of the chat. */
export function newestBranch(messages: Message[]): Message[] {
  const byId = new Map(messages.map((message) => [message.id, message]));
  let newest: Message | undefined;
  for (const message of messages) {
    if (!newest || message.createdAt > newest.createdAt || (message.createdAt === newest.createdAt && message.id > newest.id)) newest = message;
  }
  const branch: Message[] = [];
  const seen = new Set<string>();
  for (let current = newest; current && !seen.has(current.id); current = current.parentId ? byId.get(current.parentId) : undefined) {
    seen.add(current.id);
    branch.push(current);
  }
  return branch.reverse();
}

function chatToMarkdown(chat: ChatWithMessages, exportedAt: Date): string {
  const branch = newestBranch(chat.messages);
  const elsewhere = chat.messages.length - branch.length;
  const about = [`Exported from Recall on ${isoDay(exportedAt)}`, `started ${isoDay(new Date(chat.session.createdAt))}`];
  if (chat.session.ephemeral) about.push("ephemeral chat (kept only in the server's memory)");
  const lines = [`# ${oneLine(chat.session.title)}`, "", `_${about.join(" · ")}._`];
  if (elsewhere > 0) {
    lines.push("", `_${elsewhere} more message${elsewhere === 1 ? " is" : "s are"} on other branches of this chat; the JSON export holds every branch._`);
  }
  if (branch.length === 0) lines.push("", "_No messages yet._");
  for (const message of branch) lines.push("", ...turnToMarkdown(message));
  return lines.join("\n");
}

function turnToMarkdown(message: Message): string[] {
  const speaker = message.role === "user" ? "**You**" : message.role === "assistant" ? `**Assistant${message.model ? ` (${message.model})` : ""}**` : "**System**";
  const lines = [speaker, "", message.content];
  const note = statusNote(message);
  if (note) lines.push("", `> _${note}_`);
  return lines;
}

function statusNote(message: Message): string | null {
  switch (message.status) {
    case "interrupted":
      return `Interrupted: ${message.error ?? "this reply stopped before it finished."}`;
    case "error":
      return `Error: ${message.error ?? "this reply failed."}`;
    case "streaming":
      return "Still being written when this export was made.";
    default:
      return null;
  }
}

function rememberedToMarkdown(remembered: RememberedData): string {
  const lines = ["# What Recall remembers about you", "", "## Profile", ""];
  if (remembered.profile.length === 0) lines.push("_No remembered facts._");
  for (const fact of remembered.profile) lines.push(`- ${fact.kind}: ${oneLine(fact.value)}`);
  lines.push("", "## Episodes");
  if (remembered.episodes.length === 0) lines.push("", "_No episodes._");
  for (const episode of remembered.episodes) {
    lines.push("", `### ${oneLine(episode.sessionTitle)} (${isoDay(new Date(episode.createdAt))})`, "", episode.summary);
    if (episode.facts.length > 0) lines.push("", ...episode.facts.map((fact) => `- ${oneLine(fact)}`));
  }
  return lines.join("\n");
}

/** Headings and list items end at a line break: keep titles and facts on one line. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}
