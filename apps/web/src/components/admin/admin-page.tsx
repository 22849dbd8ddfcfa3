import { useQuery } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { describeError } from "../../error-message.ts";
import { useTRPC } from "../../trpc.ts";
import { AdminView } from "./admin-view.tsx";

const ranges = [7, 30, 90] as const;

/** The admin page (admins only: the server refuses anyone else): counts, never content. */
export function AdminPage({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const [days, setDays] = useState<(typeof ranges)[number]>(30);
  const stats = useQuery({ ...trpc.admin.stats.queryOptions({ days }), refetchInterval: 30_000 });
  const headingRef = useRef<HTMLHeadingElement>(null);
  const headingId = useId();
  useEffect(() => headingRef.current?.focus(), []);

  return (
    <section className="admin-page" aria-labelledby={headingId}>
      <header className="chat-header">
        <h1 id={headingId} ref={headingRef} tabIndex={-1}>
          Admin
        </h1>
        <label className="admin-range">
          Period{" "}
          <select value={days} onChange={(event) => setDays(Number(event.target.value) as (typeof ranges)[number])}>
            {ranges.map((range) => (
              <option key={range} value={range}>
                Last {range} days
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="button-secondary" onClick={onClose}>
          Back to chat
        </button>
      </header>
      <div className="admin-scroller">
        <p className="admin-note">Counts from the database and from this server since it started. No chat content is ever shown here.</p>
        {stats.isPending && <p className="admin-note">Loading…</p>}
        {stats.isError && (
          <p className="your-data-error" role="alert">
            {describeError(stats.error)}
          </p>
        )}
        {stats.data && <AdminView stats={stats.data} />}
      </div>
    </section>
  );
}
