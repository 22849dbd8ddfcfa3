import { useId } from "react";

export interface BarSeries {
  name: string;
  /** One value per label, in order. */
  values: number[];
  /** A CSS colour (a custom property such as `var(--accent)`). */
  colour: string;
}

const width = 640;
const height = 160;
const axis = 28;

function compact(value: number): string {
  return new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 }).format(value);
}

/**
 * Bars per day, stacked when there are several series. Drawn as SVG (no chart library); the
 * numbers are also in a table under a disclosure, so the chart is never the only way to read them.
 */
export function BarChart({ title, labels, series }: { title: string; labels: string[]; series: BarSeries[] }) {
  const captionId = useId();
  const totals = labels.map((_, index) => series.reduce((sum, entry) => sum + (entry.values[index] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const slot = (width - axis) / Math.max(1, labels.length);
  const barWidth = Math.max(2, slot * 0.7);
  const sum = totals.reduce((total, value) => total + value, 0);
  const peak = totals.indexOf(Math.max(...totals, 0));
  const summary = labels.length === 0 ? "no data" : `total ${sum.toLocaleString()}, highest ${totals[peak]?.toLocaleString()} on ${labels[peak]}`;
  return (
    <figure className="admin-chart" aria-labelledby={captionId}>
      <figcaption id={captionId}>
        {title} <span className="admin-chart-summary">({summary})</span>
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height + 18}`} role="img" aria-label={`${title}: ${summary}`} preserveAspectRatio="none">
        <line x1={axis} x2={width} y1={height} y2={height} className="admin-chart-axis" />
        <text x={axis - 4} y={10} className="admin-chart-tick" textAnchor="end">
          {compact(max)}
        </text>
        <text x={axis - 4} y={height} className="admin-chart-tick" textAnchor="end">
          0
        </text>
        {labels.map((label, index) => {
          let top = height;
          return (
            <g key={label}>
              {series.map((entry) => {
                const value = entry.values[index] ?? 0;
                const barHeight = (value / max) * (height - 8);
                top -= barHeight;
                return value > 0 ? (
                  <rect key={entry.name} x={axis + index * slot + (slot - barWidth) / 2} y={top} width={barWidth} height={barHeight} fill={entry.colour}>
                    <title>{`${label} · ${entry.name}: ${value.toLocaleString()}`}</title>
                  </rect>
                ) : null;
              })}
              {(index === 0 || index === labels.length - 1) && (
                <text x={axis + index * slot + slot / 2} y={height + 14} className="admin-chart-tick" textAnchor={index === 0 ? "start" : "end"}>
                  {label.slice(5)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      {series.length > 1 && (
        <ul className="admin-chart-legend">
          {series.map((entry) => (
            <li key={entry.name}>
              <span className="admin-chart-swatch" style={{ background: entry.colour }} aria-hidden="true" /> {entry.name}
            </li>
          ))}
        </ul>
      )}
      <details className="admin-chart-table">
        <summary>Show the numbers</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Day</th>
              {series.map((entry) => (
                <th key={entry.name} scope="col">
                  {entry.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {labels.map((label, index) => (
              <tr key={label}>
                <th scope="row">{label}</th>
                {series.map((entry) => (
                  <td key={entry.name}>{(entry.values[index] ?? 0).toLocaleString()}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
