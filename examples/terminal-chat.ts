/**
 * Calls Recall from a TypeScript program: creates a chat, sends a message and
 * prints the reply as it streams. Run Recall first (`pnpm start` or `pnpm demo`), then:
 *   pnpm --filter @recall/examples chat "Why is the sky blue?"
 */
import type { AppRouter } from "@recall/server";
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import { EventSource } from "eventsource";

const baseUrl = process.env.RECALL_URL ?? "http://127.0.0.1:3000";
const question = process.argv.slice(2).join(" ") || "Say hello in one sentence.";

function connect(token: string | null) {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (operation) => operation.type === "subscription",
        // Node has no global EventSource (24 keeps it behind --experimental-eventsource); the eventsource package fills in, with our header.
        true: httpSubscriptionLink({
          url: `${baseUrl}/trpc`,
          EventSource,
          eventSourceOptions: { fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...headers } }) },
        }),
        false: httpBatchLink({ url: `${baseUrl}/trpc`, headers, maxURLLength: 2000 }),
      }),
    ],
  });
}

async function main(): Promise<void> {
  // An anonymous identity: a 15-minute access token, and a refresh token for new ones (auth.refresh).
  const { accessToken } = await connect(null).auth.token.mutate();
  const recall = connect(accessToken);
  const session = await recall.session.create.mutate({});
  const { assistantMessage } = await recall.message.send.mutate({ sessionId: session.id, content: question });

  await new Promise<void>((resolve, reject) => {
    const subscription = recall.message.stream.subscribe(
      { messageId: assistantMessage.id },
      {
        onData({ data: event }) {
          if (event.type === "delta") process.stdout.write(event.text);
          else if (event.type === "snapshot") process.stdout.write(event.content);
          else {
            if (event.type === "done") process.stdout.write(`\n\n[${event.completionTokens ?? "?"} tokens, prompt ${event.promptTokens ?? "?"}]\n`);
            if (event.type === "error") process.stderr.write(`\n\n[error ${event.code}] ${event.message}\n`);
            if (event.type === "interrupted") process.stderr.write(`\n\n[interrupted: ${event.reason}]\n`);
            subscription.unsubscribe();
            resolve();
          }
        },
        onError: reject,
      },
    );
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
