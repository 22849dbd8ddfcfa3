import { InvalidRequestError } from "../domain-errors.ts";
import type { Documents } from "./documents.ts";

/** Placeholder while the document service is built: every call refuses clearly. Replaced by DocumentService. */
export function unavailableDocuments(): Documents {
  const refuse = async (): Promise<never> => {
    throw new InvalidRequestError("Documents are not available on this server yet.");
  };
  return {
    upload: refuse, listForChat: async () => [], library: async () => [], get: refuse, text: refuse, passage: refuse,
    attach: refuse, detach: refuse, keep: refuse, delete: refuse, search: async () => [], overview: async () => [], passages: async () => [],
    chatDeleted: async () => {}, userDeleted: async () => {},
  };
}
