import type { AppRouter } from "@recall/server";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import type { TRPCLink } from "@trpc/client";
import { observable } from "@trpc/server/observable";
import type { ReactNode } from "react";
import { createRecallClient, TRPCProvider } from "../../trpc.ts";

export type FakeHandler = (input: unknown) => unknown;

/** An error as the server sends it: code and message, so describeError shows the message. */
export function serverError(code: string, message: string): TRPCClientError<AppRouter> {
  return TRPCClientError.from({ error: { code: -32600, message, data: { code, httpStatus: 400 } } });
}

/**
 * The real tRPC client and TanStack Query over a link that answers queries and mutations
 * from the test's handlers (which may keep state, as the server would) and records every call.
 */
export function createFakeApi(handlers: Record<string, FakeHandler>) {
  const calls: Array<{ path: string; input: unknown }> = [];
  const link: TRPCLink<AppRouter> = () => ({ op }) =>
    observable((observer) => {
      calls.push({ path: op.path, input: op.input });
      const handler = handlers[op.path];
      if (!handler) {
        observer.error(TRPCClientError.from(new Error(`The test has no answer for ${op.path}.`)));
        return;
      }
      Promise.resolve()
        .then(() => handler(op.input))
        .then(
          (data) => {
            observer.next({ result: { type: "data", data } });
            observer.complete();
          },
          (error: unknown) => observer.error(error instanceof TRPCClientError ? error : TRPCClientError.from(error as Error)),
        );
    });
  const client = createRecallClient([link]);
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });

  function Providers({ children }: { children: ReactNode }) {
    return (
      <QueryClientProvider client={queryClient}>
        <TRPCProvider trpcClient={client} queryClient={queryClient}>
          {children}
        </TRPCProvider>
      </QueryClientProvider>
    );
  }

  return { calls, queryClient, Providers, callsTo: (path: string) => calls.filter((call) => call.path === path).map((call) => call.input) };
}
