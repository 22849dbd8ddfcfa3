import type { AppRouter } from "@recall/server";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import type { TRPCLink } from "@trpc/client";
import { observable } from "@trpc/server/observable";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import type { ReactNode } from "react";
import type { TrackedStreamEvent } from "../stream/stream-state.ts";
import { createRecallClient, TRPCProvider } from "../trpc.ts";

/** One open `message.stream` subscription that a test drives by hand. */
export interface ScriptedSubscription {
  input: unknown;
  closed: boolean;
  emit: (event: TrackedStreamEvent) => void;
  fail: (error: TRPCClientError<AppRouter>) => void;
  /** Closes the stream the way httpSubscriptionLink does when the server's generator returns. */
  end: () => void;
}

/** Answers one query or mutation (it may keep state, as the server would); a thrown or rejected error is the server's. */
export type ScriptedHandler = (input: unknown) => unknown;

/** An error as the server sends it: code and message, so describeError shows the message. */
export function serverError(code: string, message: string): TRPCClientError<AppRouter> {
  return TRPCClientError.from({ error: { code: -32600, message, data: { code, httpStatus: 400 } } });
}

/**
 * The real tRPC client and TanStack Query stack over a link the test scripts: queries and
 * mutations are answered by `handlers` (every call is recorded), subscriptions stay open until
 * the test emits events into them, and a call with no handler fails loudly.
 */
export function createScriptedApi(handlers: Record<string, ScriptedHandler> = {}) {
  const subscriptions: ScriptedSubscription[] = [];
  const calls: Array<{ path: string; input: unknown }> = [];
  const link: TRPCLink<AppRouter> = () => ({ op }) =>
    observable((observer) => {
      if (op.type !== "subscription") {
        calls.push({ path: op.path, input: op.input });
        const handler = handlers[op.path];
        if (!handler) {
          observer.error(TRPCClientError.from(new Error(`The test scripted no answer for ${op.path}.`)));
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
        return;
      }
      const subscription: ScriptedSubscription = {
        input: op.input,
        closed: false,
        emit: (event) => observer.next({ result: { type: "data", id: event.id, data: event } }),
        fail: (error) => observer.error(error),
        end: () => {
          observer.next({ result: { type: "stopped" } });
          observer.next({ result: { type: "state", state: "idle", error: null } });
          observer.complete();
        },
      };
      subscriptions.push(subscription);
      observer.next({ result: { type: "started" } });
      return () => {
        subscription.closed = true;
      };
    });
  const client = createRecallClient([link]);
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const trpc = createTRPCOptionsProxy<AppRouter>({ client, queryClient });

  function Providers({ children }: { children: ReactNode }) {
    return (
      <QueryClientProvider client={queryClient}>
        <TRPCProvider trpcClient={client} queryClient={queryClient}>
          {children}
        </TRPCProvider>
      </QueryClientProvider>
    );
  }

  const callsTo = (path: string) => calls.filter((call) => call.path === path).map((call) => call.input);
  return { subscriptions, calls, callsTo, queryClient, trpc, Providers };
}
