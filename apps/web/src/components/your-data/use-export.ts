import type { ExportFormat } from "@recall/schema";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "../../trpc.ts";
import { downloadFile } from "./download-file.ts";

// An export is fetched fresh on every click and not kept in the cache: it can be large, and it is saved as a file.
const fresh = { staleTime: 0, gcTime: 0 } as const;

export function useExportChat(sessionId: string) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (format: ExportFormat) => queryClient.fetchQuery({ ...trpc.export.chat.queryOptions({ sessionId, format }), ...fresh }),
    onSuccess: (file) => downloadFile(file),
  });
}

export function useExportAll() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (format: ExportFormat) => queryClient.fetchQuery({ ...trpc.export.all.queryOptions({ format }), ...fresh }),
    onSuccess: (file) => downloadFile(file),
  });
}

export const formatLabels: Record<ExportFormat, string> = { markdown: "Markdown", json: "JSON" };
