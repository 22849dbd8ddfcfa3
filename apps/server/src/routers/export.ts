import { exportAllInput, exportChatInput, type ExportedFile } from "@recall/schema";
import { allChatsFilename, chatFilename, exportChats } from "../account/export-format.ts";
import { router, userProcedure } from "../trpc/init.ts";

/** Chats as files (Markdown to read, JSON with every branch to keep); the browser saves the content. */
export const exportRouter = router({
  chat: userProcedure.input(exportChatInput).query(async ({ ctx, input }): Promise<ExportedFile> => {
    const chat = await ctx.services.userData.chat(ctx.userId, input.sessionId);
    const exportedAt = new Date();
    return exportChats({ chats: [chat], format: input.format, exportedAt, filename: chatFilename(chat.session.title, input.format, exportedAt) });
  }),
  all: userProcedure.input(exportAllInput).query(async ({ ctx, input }): Promise<ExportedFile> => {
    const { userData, profiles, episodes } = ctx.services;
    const [chats, profile, episodeList] = await Promise.all([userData.allChats(ctx.userId), profiles.list(ctx.userId), episodes.listForUser(ctx.userId)]);
    const exportedAt = new Date();
    return exportChats({ chats, format: input.format, exportedAt, filename: allChatsFilename(input.format, exportedAt), remembered: { profile, episodes: episodeList } });
  }),
});
