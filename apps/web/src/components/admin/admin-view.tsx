import type { AdminStats } from "@recall/server";
import { BarChart } from "./bar-chart.tsx";
import "./admin.css";

const modelColours = ["var(--accent)", "var(--chart-2)", "var(--chart-3)", "var(--chart-4)", "var(--chart-5)"];

function percent(value: number | null): string {
  return value === null ? "—" : `${Math.round(value * 100)}%`;
}

function Figure({ label, value }: { label: string; value: string | number }) {
  return (
    <div className="admin-figure">
      <dt>{label}</dt>
      <dd>{typeof value === "number" ? value.toLocaleString() : value}</dd>
    </div>
  );
}

function CountTable({ caption, counts, empty }: { caption: string; counts: Record<string, number>; empty: string }) {
  const rows = Object.entries(counts).filter(([, count]) => count > 0);
  return (
    <table className="admin-counts">
      <caption>{caption}</caption>
      <tbody>
        {rows.length === 0 ? (
          <tr>
            <td colSpan={2}>{empty}</td>
          </tr>
        ) : (
          rows.map(([name, count]) => (
            <tr key={name}>
              <th scope="row">{name.replaceAll("_", " ")}</th>
              <td>{count.toLocaleString()}</td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

/** The admin page's figures: counts from the database and this instance, never anything anyone wrote. */
export function AdminView({ stats }: { stats: AdminStats }) {
  const days = stats.activity.map((entry) => entry.day);
  const models = [...new Set(stats.tokens.map((entry) => entry.model))];
  const tokensBy = (field: "tokensIn" | "tokensOut") =>
    models.map((model, index) => ({
      name: model,
      colour: modelColours[index % modelColours.length]!,
      values: days.map((day) => stats.tokens.find((entry) => entry.day === day && entry.model === model)?.[field] ?? 0),
    }));
  const { totals, instance } = stats;
  return (
    <div className="admin-view">
      <section aria-label="Totals">
        <dl className="admin-figures">
          <Figure label="Users" value={totals.users} />
          <Figure label="Accounts" value={totals.accounts} />
          <Figure label="Chats" value={totals.chats} />
          <Figure label="Messages" value={totals.messages} />
          <Figure label="Replies failed" value={totals.repliesByStatus.error ?? 0} />
          <Figure label="Replies now" value={instance.activeGenerations} />
          <Figure label="Cache hit rate" value={percent(instance.cacheHitRate)} />
          <Figure label="Summaries written / failed" value={`${instance.summaries.runs.toLocaleString()} / ${instance.summaries.failures.toLocaleString()}`} />
        </dl>
      </section>
      <div className="admin-charts">
        <BarChart title="Messages per day" labels={days} series={[{ name: "messages", colour: "var(--accent)", values: stats.activity.map((entry) => entry.messages) }]} />
        <BarChart title="Active users per day" labels={days} series={[{ name: "active users", colour: "var(--chart-2)", values: stats.activity.map((entry) => entry.activeUsers) }]} />
        <BarChart title="New users per day" labels={days} series={[{ name: "new users", colour: "var(--chart-3)", values: stats.activity.map((entry) => entry.newUsers) }]} />
        <BarChart title="Tokens in (read by the model) per day and model" labels={days} series={tokensBy("tokensIn")} />
        <BarChart title="Tokens out (written) per day and model" labels={days} series={tokensBy("tokensOut")} />
      </div>
      <section className="admin-instance" aria-label="This server since it started">
        <h2>This server since it started</h2>
        <CountTable caption="Requests refused by a limit" counts={instance.limitRejections} empty="None refused." />
        <CountTable caption="Moderation blocks" counts={instance.moderationBlocks} empty="Nothing blocked." />
        <CountTable caption="Moderation failures" counts={instance.moderationFailures} empty="No failures." />
        <CountTable caption="Replies by outcome" counts={instance.replies} empty="No replies yet." />
      </section>
    </div>
  );
}
