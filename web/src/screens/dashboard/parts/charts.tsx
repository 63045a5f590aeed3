import type { ReactNode } from 'react';
import { Link } from 'react-router';

export interface Datum {
  label: string;
  value: number;
  /** A CSS colour of the theme: `var(--chart-high)`. */
  color: string;
  /** Where the slice's findings are listed. */
  to?: string;
}

/** "Critical 2, High 5, …": what the chart shows, for screen readers. */
const summary = (title: string, data: Datum[]) => `${title}: ${data.map((d) => `${d.label} ${d.value}`).join(', ')}`;

/** The chart's numbers as a table for screen readers (the picture is role="img"). */
function DataTableSr({ title, data, unit }: { title: string; data: Datum[]; unit: string }) {
  return (
    <table className="sr-only">
      <caption>{title}</caption>
      <thead><tr><th scope="col">Category</th><th scope="col">{unit}</th></tr></thead>
      <tbody>{data.map((d) => <tr key={d.label}><th scope="row">{d.label}</th><td>{d.value}</td></tr>)}</tbody>
    </table>
  );
}

/**
 * Horizontal bars, one per category, scaled to the largest. The
 * picture is an image with its summary as its name, and the numbers are also a hidden table.
 */
export function BarChart({ title, data, unit = 'Findings' }: { title: string; data: Datum[]; unit?: string }) {
  const max = Math.max(1, ...data.map((d) => d.value));
  return (
    <figure className="ws-chart">
      <div className="ws-bars" role="img" aria-label={summary(title, data)}>
        {data.map((d) => (
          <div className="ws-bar-row" key={d.label}>
            <span className="ws-bar-label">{d.label}</span>
            <svg className="ws-bar" width="100%" height="14" aria-hidden="true" focusable="false">
              <rect x="0" y="0" width="100%" height="14" rx="4" className="ws-bar-track" />
              {d.value > 0 && <rect x="0" y="0" width={`${Math.max(1.5, (d.value / max) * 100)}%`} height="14" rx="4" style={{ fill: d.color }} />}
            </svg>
            <span className="ws-bar-value">{d.value.toLocaleString()}</span>
          </div>
        ))}
      </div>
      <DataTableSr title={title} data={data} unit={unit} />
    </figure>
  );
}

/** A ring of the categories' shares with the total in the middle, and a legend beside it. */
export function DonutChart({ title, data, unit = 'Findings', center }: { title: string; data: Datum[]; unit?: string; center?: ReactNode }) {
  const total = data.reduce((n, d) => n + d.value, 0);
  const r = 42;
  const circumference = 2 * Math.PI * r;
  let offset = 0;
  return (
    <figure className="ws-chart ws-donut-wrap">
      <div className="ws-donut" role="img" aria-label={`${summary(title, data)}; ${total} in all`}>
        <svg viewBox="0 0 120 120" width="140" height="140" aria-hidden="true" focusable="false">
          <circle cx="60" cy="60" r={r} className="ws-donut-track" strokeWidth="16" fill="none" />
          {total > 0 && data.filter((d) => d.value > 0).map((d) => {
            const length = (d.value / total) * circumference;
            const slice = (
              <circle key={d.label} cx="60" cy="60" r={r} fill="none" strokeWidth="16" style={{ stroke: d.color }}
                strokeDasharray={`${length} ${circumference - length}`} strokeDashoffset={-offset} transform="rotate(-90 60 60)" />
            );
            offset += length;
            return slice;
          })}
          <text x="60" y="58" textAnchor="middle" className="ws-donut-total">{total.toLocaleString()}</text>
          <text x="60" y="76" textAnchor="middle" className="ws-donut-unit">{center ?? unit.toLowerCase()}</text>
        </svg>
      </div>
      <ul className="ws-legend">
        {data.map((d) => (
          <li key={d.label}>
            <span className="ws-swatch" style={{ background: d.color }} aria-hidden="true" />
            {d.to ? <Link to={d.to}>{d.label}</Link> : <span>{d.label}</span>}
            <span className="ws-legend-value">{d.value.toLocaleString()}</span>
          </li>
        ))}
      </ul>
      <DataTableSr title={title} data={data} unit={unit} />
    </figure>
  );
}
