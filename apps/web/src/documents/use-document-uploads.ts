import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { useTRPC } from "../trpc.ts";
import type { ChatDocument } from "../trpc.ts";
import { formatBytes } from "./format.ts";
import { sendUpload } from "./upload-request.ts";
import type { UploadRequest, UploadOutcome } from "./upload-request.ts";

/** A file on its way to the server, or one it refused; once accepted it is a document of the chat. */
export interface UploadRow {
  id: string;
  sessionId: string;
  name: string;
  sizeBytes: number;
  state: "uploading" | "refused";
  /** Bytes sent so far, of `total`. */
  loaded: number;
  total: number;
  /** Why it was refused, in the server's words. */
  refusal: string | null;
}

export type UploadFunction = (request: UploadRequest) => Promise<UploadOutcome>;

/**
 * Uploads by chat: each file its own request (so one refusal does not sink the others) and its
 * own row with a real progress bar. An accepted file goes into the chat's `document.list` at
 * once, so it shows processing without waiting for the next poll. Uploads go on when the
 * reader switches chats; they belong to the chat they were started in.
 */
export function useDocumentUploads(upload: UploadFunction = sendUpload, maxBytes: number | null = null) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [rows, setRows] = useState<UploadRow[]>([]);
  const controllers = useRef(new Map<string, AbortController>());
  const nextId = useRef(0);

  useEffect(() => {
    const running = controllers.current;
    return () => {
      for (const controller of running.values()) controller.abort();
    };
  }, []);

  const update = useCallback((id: string, patch: Partial<UploadRow>) => {
    setRows((current) => current.map((row) => (row.id === id ? { ...row, ...patch } : row)));
  }, []);
  const remove = useCallback((id: string) => setRows((current) => current.filter((row) => row.id !== id)), []);

  const accept = useCallback(
    (sessionId: string, document: ChatDocument) => {
      queryClient.setQueryData(trpc.document.list.queryKey({ sessionId }), (list) =>
        list?.some((known) => known.id === document.id) ? list : [...(list ?? []), document],
      );
      void queryClient.invalidateQueries(trpc.document.pathFilter());
    },
    [queryClient, trpc],
  );

  const start = useCallback(
    (sessionId: string, files: readonly File[]) => {
      for (const file of files) {
        nextId.current += 1;
        const id = `upload-${nextId.current}`;
        // The server would refuse it from its length and close the connection: say why here instead.
        if (maxBytes !== null && file.size > maxBytes) {
          const refusal = `This file is ${formatBytes(file.size)}; files are at most ${formatBytes(maxBytes)}.`;
          setRows((current) => [...current, { id, sessionId, name: file.name, sizeBytes: file.size, state: "refused", loaded: 0, total: file.size, refusal }]);
          continue;
        }
        const controller = new AbortController();
        controllers.current.set(id, controller);
        setRows((current) => [...current, { id, sessionId, name: file.name, sizeBytes: file.size, state: "uploading", loaded: 0, total: file.size, refusal: null }]);
        void upload({ file, sessionId, signal: controller.signal, onProgress: (loaded, total) => update(id, { loaded, total }) }).then((outcome) => {
          controllers.current.delete(id);
          if (outcome.kind === "uploaded") {
            accept(sessionId, outcome.document);
            remove(id);
          } else if (outcome.kind === "refused") {
            update(id, { state: "refused", refusal: outcome.refusal.message });
          } else {
            remove(id);
          }
        });
      }
    },
    [upload, update, remove, accept, maxBytes],
  );

  /** Stops an upload on its way; the server never keeps a partial file. */
  const cancel = useCallback((id: string) => controllers.current.get(id)?.abort(), []);

  return { rows, start, cancel, dismiss: remove };
}

export type DocumentUploads = ReturnType<typeof useDocumentUploads>;
