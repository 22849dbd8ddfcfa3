import { exportAllInput, exportChatInput, type ExportedFile } from "@recall/schema";
import { allChatsFilename, chatFilename, exportChats } from "../account/export-format.ts";
import type { ChatWithMessages } from "../chat/chat-repository.ts";
import { resolveSourceNames } from "../chat/serialize.ts";
import type { Services } from "../services.ts";
import { router, userProcedure } from "../trpc/init.ts";

export type ExportRouterServices = Pick<Services, "chats" | "profiles" | "episodes" | "documents">;

/** Chats as files (Markdown to read, JSON with every branch to keep); the browser saves the content. */
export function createExportRouter({ chats, profiles, episodes, documents }: ExportRouterServices) {
  // Citations name their document and section, which live (encrypted) with the document.
  const named = async (userId: string, chat: ChatWithMessages): Promise<ChatWithMessages> => ({
    ...chat,
    messages: await resolveSourceNames(chat.messages, (ids) => documents.passages(userId, ids, { withText: false })),
  });
  return router({
    chat: userProcedure.input(exportChatInput).query(async ({ ctx, input }): Promise<ExportedFile> => {
      const chat = await named(ctx.userId, await chats.chatWithMessages(ctx.userId, input.sessionId));
      const exportedAt = new Date();
      return exportChats({ chats: [chat], format: input.format, exportedAt, filename: chatFilename(chat.session.title, input.format, exportedAt) });
    }),
    all: userProcedure.input(exportAllInput).query(async ({ ctx, input }): Promise<ExportedFile> => {
      const [saved, profile, episodeList] = await Promise.all([chats.allChatsWithMessages(ctx.userId), profiles.list(ctx.userId), episodes.listForUser(ctx.userId)]);
      const all = await Promise.all(saved.map((chat) => named(ctx.userId, chat)));
      const exportedAt = new Date();
      return exportChats({ chats: all, format: input.format, exportedAt, filename: allChatsFilename(input.format, exportedAt), remembered: { profile, episodes: episodeList } });
    }),
  });
}
