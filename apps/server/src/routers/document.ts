import {
  attachDocumentInput,
  chunkIdInput,
  documentIdInput,
  documentTextInput,
  idSchema,
  keepDocumentInput,
  listDocumentsInput,
} from "@recall/schema";
import { z } from "zod";
import { InvalidRequestError } from "../domain-errors.ts";
import type { Services } from "../services.ts";
import { router, userProcedure } from "../trpc/init.ts";

export type DocumentRouterServices = Pick<Services, "documents">;

/** A file as tRPC hands multipart form data over: a FormData with `file` and, optionally, `sessionId`. */
const uploadInput = z.instanceof(FormData, { message: "Send the file as multipart form data with a `file` field." });

/** Documents in chats and the user's library: upload, list, open, cite, attach, detach, keep, delete. */
export function createDocumentRouter({ documents }: DocumentRouterServices) {
  return router({
    upload: userProcedure.input(uploadInput).mutation(async ({ ctx, input }) => {
      const file = input.get("file");
      if (!(file instanceof File)) throw new InvalidRequestError("Choose a file to upload: the form has no `file` field.");
      const rawSession = input.get("sessionId");
      const sessionId = typeof rawSession === "string" && rawSession.length > 0 ? idSchema.parse(rawSession) : null;
      const bytes = new Uint8Array(await file.arrayBuffer());
      return documents.upload({ userId: ctx.userId, sessionId, fileName: file.name, bytes });
    }),
    list: userProcedure.input(listDocumentsInput).query(({ ctx, input }) => documents.listForChat(ctx.userId, input.sessionId)),
    library: userProcedure.query(({ ctx }) => documents.library(ctx.userId)),
    get: userProcedure.input(documentIdInput).query(({ ctx, input }) => documents.get(ctx.userId, input.documentId)),
    text: userProcedure.input(documentTextInput).query(({ ctx, input }) => documents.text(ctx.userId, input.documentId)),
    passage: userProcedure.input(chunkIdInput).query(({ ctx, input }) => documents.passage(ctx.userId, input.chunkId)),
    attach: userProcedure.input(attachDocumentInput).mutation(({ ctx, input }) => documents.attach(ctx.userId, input.documentId, input.sessionId)),
    detach: userProcedure.input(attachDocumentInput).mutation(({ ctx, input }) => documents.detach(ctx.userId, input.documentId, input.sessionId)),
    keep: userProcedure.input(keepDocumentInput).mutation(({ ctx, input }) => documents.keep(ctx.userId, input.documentId, input.kept)),
    delete: userProcedure.input(documentIdInput).mutation(async ({ ctx, input }) => {
      await documents.delete(ctx.userId, input.documentId);
      return { documentId: input.documentId };
    }),
  });
}
