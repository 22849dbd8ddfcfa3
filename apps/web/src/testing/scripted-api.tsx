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

/**
 * The real tRPC client and TanStack Query stack over a link the test scripts: subscriptions
 * stay open until the test emits events into them; any other call fails loudly.
 */
export function createScriptedApi() {
  const subscriptions: ScriptedSubscription[] = [];
  const link: TRPCLink<AppRouter> = () => ({ op }) =>
    observable((observer) => {
      if (op.type !== "subscription") {
        observer.error(TRPCClientError.from(new Error(`The test scripted no answer for ${op.path}.`)));
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

  return { subscriptions, queryClient, trpc, Providers };
}
