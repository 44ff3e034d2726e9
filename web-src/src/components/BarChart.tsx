/**
 * 24 bars, oldest hour first, drawn as SVG. The chart is an image with a text
 * alternative (its label says the total and the busiest hour), and the total is
 * printed beside it, so the figure does not depend on reading bar heights.
 */
import React from 'react';

export interface BarChartProps {
  label: string;
  values: number[];
  hours: string[];
  color: string;
  testId?: string;
}

const W = 240;
const H = 44;

const hourText = (h: string): string => `${h.slice(8, 10)}:00 UTC`;

export function BarChart({ label, values, hours, color, testId }: BarChartProps) {
  const total = values.reduce((n, v) => n + v, 0);
  const max = Math.max(1, ...values);
  const peak = values.indexOf(Math.max(...values));
  const bar = W / Math.max(1, values.length);
  const alt = `${label}: ${total} in the last 24 hours${total ? `, most at ${hourText(hours[peak] ?? '')} (${values[peak]})` : ''}`;
  return (
    <div style={{ display: 'flex', alignItems: 'center', gap: 12 }} data-testid={testId}>
      <span style={{ width: 110, fontSize: 13 }}>{label}</span>
      <svg width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="img" aria-label={alt}>
        <title>{alt}</title>
        <line x1={0} y1={H - 0.5} x2={W} y2={H - 0.5} stroke="#6e6e6e" strokeWidth={1} />
        {values.map((v, i) => {
          const h = v === 0 ? 0 : Math.max(2, Math.round((v / max) * (H - 4)));
          return (
            <rect key={hours[i] ?? i} x={i * bar + 1} y={H - 1 - h} width={Math.max(1, bar - 2)} height={h} fill={color}>
              <title>{`${hourText(hours[i] ?? '')}: ${v}`}</title>
            </rect>
          );
        })}
      </svg>
      <strong style={{ fontVariantNumeric: 'tabular-nums', minWidth: 60, textAlign: 'right' }} data-testid={testId ? `${testId}-total` : undefined}>
        {total.toLocaleString('en-US')}
      </strong>
    </div>
  );
}
