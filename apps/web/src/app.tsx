import { useQuery } from "@tanstack/react-query";
import { ChatScreen } from "./chat-screen.tsx";
import { describeError } from "./error-message.ts";
import { useTRPCClient } from "./trpc.ts";

/**
 * Every procedure needs the identity cookie, so nothing renders before auth.ensure answered.
 * A query rather than a mutation: it runs once however often React mounts, and retries.
 */
export function App() {
  const client = useTRPCClient();
  const identity = useQuery({
    queryKey: ["recall", "identity"],
    queryFn: () => client.auth.ensure.mutate(),
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: Number.POSITIVE_INFINITY,
  });
  if (identity.isPending) return <p className="boot">Connecting to Recall…</p>;
  if (identity.isError) {
    return (
      <div className="boot" role="alert">
        <p>{describeError(identity.error)}</p>
        <button type="button" onClick={() => void identity.refetch()}>
          Try again
        </button>
      </div>
    );
  }
  return <ChatScreen />;
}
