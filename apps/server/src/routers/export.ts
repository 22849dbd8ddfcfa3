import { exportAllInput, exportChatInput, type ExportedFile } from "@recall/schema";
import { allChatsFilename, chatFilename, exportChats } from "../account/export-format.ts";
import type { Services } from "../services.ts";
import { router, userProcedure } from "../trpc/init.ts";

export type ExportRouterServices = Pick<Services, "chats" | "profiles" | "episodes">;

/** Chats as files (Markdown to read, JSON with every branch to keep); the browser saves the content. */
export function createExportRouter({ chats, profiles, episodes }: ExportRouterServices) {
  return router({
    chat: userProcedure.input(exportChatInput).query(async ({ ctx, input }): Promise<ExportedFile> => {
      const chat = await chats.chatWithMessages(ctx.userId, input.sessionId);
      const exportedAt = new Date();
      return exportChats({ chats: [chat], format: input.format, exportedAt, filename: chatFilename(chat.session.title, input.format, exportedAt) });
    }),
    all: userProcedure.input(exportAllInput).query(async ({ ctx, input }): Promise<ExportedFile> => {
      const [all, profile, episodeList] = await Promise.all([chats.allChatsWithMessages(ctx.userId), profiles.list(ctx.userId), episodes.listForUser(ctx.userId)]);
      const exportedAt = new Date();
      return exportChats({ chats: all, format: input.format, exportedAt, filename: allChatsFilename(input.format, exportedAt), remembered: { profile, episodes: episodeList } });
    }),
  });
}
