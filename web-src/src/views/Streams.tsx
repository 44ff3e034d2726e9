/**
 * Streams: what needs attention first (the status action's warnings: Adobe's
 * ≥ 80 % failure rule, Marketo's pause after failed pushes, a growing parking
 * backlog, a disabled registration), then per stream its last 24 hours.
 */
import React, { useCallback, useEffect, useState } from 'react';
import { Content } from '@adobe/react-spectrum/Content';
import { Flex } from '@adobe/react-spectrum/Flex';
import { Heading } from '@adobe/react-spectrum/Heading';
import { InlineAlert } from '@adobe/react-spectrum/InlineAlert';
import { ProgressCircle } from '@adobe/react-spectrum/ProgressCircle';
import { StatusLight } from '@adobe/react-spectrum/StatusLight';
import { Text } from '@adobe/react-spectrum/Text';
import { View } from '@adobe/react-spectrum/View';
import { Well } from '@adobe/react-spectrum/Well';
import type { ConsoleApi, Overview, StreamName, StreamSeries } from '../api';
import { BarChart } from '../components/BarChart';

const STREAM_TITLES: Record<StreamName, string> = { 'user-audit': 'User Audit', notification: 'Notifications', 'lead-activity': 'Lead Activity', observability: 'Observability' };
const ORDER: StreamName[] = ['user-audit', 'notification', 'lead-activity', 'observability'];

const METRICS = [
  ['accepted', 'Accepted', '#0d66d0'],
  ['forwarded', 'Forwarded', '#268e6c'],
  ['duplicates', 'Duplicates', '#6e6e6e'],
  ['parked', 'Parked', '#cb6f10'],
  ['quarantined', 'Quarantined', '#9256d9'],
] as const;

const ago = (iso: string | undefined, now: number): string => {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 90 ? `${s} s ago` : s < 5400 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
};

function StreamPanel({ stream, series, failureRate, now }: { stream: StreamName; series: StreamSeries; failureRate: number | null; now: number }) {
  const hours = series.hours.map((h) => h.hour);
  const refused = series.hours.map((h) => Object.values(h.refused).reduce((n, v) => n + v, 0));
  const reasons: Record<string, number> = {};
  for (const h of series.hours) for (const [r, n] of Object.entries(h.refused)) reasons[r] = (reasons[r] ?? 0) + n;
  return (
    <Well role="region" aria-label={`${STREAM_TITLES[stream]} stream`} UNSAFE_style={{ minWidth: 460 }}>
      <Flex direction="column" gap="size-100">
        <Heading level={3} margin={0}>{STREAM_TITLES[stream]}</Heading>
        <Text>
          Last event: <span data-testid={`${stream}-last-event`}>{ago(series.lastEventAt, now)}</span>
          {failureRate !== null ? ` · failed deliveries in the last hour: ${Math.round(failureRate * 100)} %` : ''}
        </Text>
        {METRICS.map(([key, label, color]) => (
          <BarChart key={key} label={label} values={series.hours.map((h) => h[key])} hours={hours} color={color} testId={`${stream}-${key}`} />
        ))}
        <BarChart label="Refused" values={refused} hours={hours} color="#d31510" testId={`${stream}-refused`} />
        {Object.keys(reasons).length > 0 && (
          <View>
            <Text>Refused by reason:</Text>
            <ul aria-label={`${STREAM_TITLES[stream]} refused by reason`} style={{ margin: '4px 0' }}>
              {Object.entries(reasons)
                .sort((a, b) => b[1] - a[1])
                .map(([r, n]) => (
                  <li key={r} data-testid={`${stream}-reason`}>
                    <code>{r}</code>: {n}
                  </li>
                ))}
            </ul>
          </View>
        )}
        {Object.keys(series.munchkin).length > 0 && (
          <table aria-label={`${STREAM_TITLES[stream]} per munchkinId`} style={{ borderCollapse: 'collapse', fontSize: 13 }}>
            <thead>
              <tr>
                <th style={{ textAlign: 'left', paddingRight: 16 }}>munchkinId</th>
                <th style={{ textAlign: 'right', paddingRight: 16 }}>accepted (24 h)</th>
                <th style={{ textAlign: 'left' }}>last event</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(series.munchkin).map(([m, c]) => (
                <tr key={m}>
                  <td style={{ paddingRight: 16 }}>{m}</td>
                  <td style={{ textAlign: 'right', paddingRight: 16 }}>{c.accepted.reduce((n, v) => n + v, 0)}</td>
                  <td>{ago(c.lastEventAt, now)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {series.instances.rest.instances > 0 && (
          <Text data-testid={`${stream}-more-instances`}>
            and {series.instances.rest.instances} more instance(s) with {series.instances.rest.accepted} events (the busiest {series.instances.limit} are listed)
          </Text>
        )}
      </Flex>
    </Well>
  );
}

export function StreamsView({ api, refreshMs = 10_000 }: { api: ConsoleApi; refreshMs?: number }) {
  const [data, setData] = useState<Overview>();
  const [error, setError] = useState<string>();
  const load = useCallback(() => {
    api.overview().then(
      (d) => (setData(d), setError(undefined)),
      (e: Error) => setError(e.message),
    );
  }, [api]);
  useEffect(() => {
    load();
    const t = setInterval(load, refreshMs);
    return () => clearInterval(t);
  }, [load, refreshMs]);
  if (!data && !error) return <ProgressCircle aria-label="Loading the streams" isIndeterminate />;
  const now = data ? Date.parse(data.report.generatedAt) : Date.now();
  const regs = data?.report.registrations;
  return (
    <Flex direction="column" gap="size-200">
      {error && (
        <InlineAlert variant="negative">
          <Heading>The console could not read the status</Heading>
          <Content>{error}</Content>
        </InlineAlert>
      )}
      {data && (
        <>
          <Flex gap="size-200" alignItems="center" wrap>
            <StatusLight variant={data.report.overall === 'ok' ? 'positive' : data.report.overall === 'warning' ? 'notice' : 'negative'} data-testid="overall">
              Overall: {data.report.overall}
            </StatusLight>
            <Text>Parked backlog: {data.report.parkedBacklog ?? 'unknown'}</Text>
            <Text>Dead letters: {data.report.quarantined ?? 'unknown'}</Text>
          </Flex>
          {data.report.warnings.map((w) => (
            <InlineAlert key={`${w.code}:${w.message}`} variant={w.level === 'critical' ? 'negative' : 'notice'} data-testid="warning">
              <Heading>{w.level === 'critical' ? 'Critical' : 'Warning'}: {w.code.replace(/_/g, ' ')}</Heading>
              <Content>{w.message}</Content>
            </InlineAlert>
          ))}
          <View>
            <Heading level={3}>Registrations</Heading>
            {Array.isArray(regs) ? (
              <ul>
                {regs.map((r) => (
                  <li key={r.id}>
                    {r.name ?? r.id}: {r.error ? `could not be read (${r.error})` : `${r.enabled === false ? 'DISABLED' : 'enabled'}, webhook ${r.webhookStatus ?? 'unknown'}`}
                  </li>
                ))}
              </ul>
            ) : (
              <Text>{regs?.note}</Text>
            )}
          </View>
          {Object.keys(data.report.destinations).length > 0 && (
            <View>
              <Heading level={3}>Destinations</Heading>
              <ul>
                {Object.entries(data.report.destinations).map(([name, d]) => (
                  <li key={name} data-testid="destination">
                    {name}: delivered {d.delivered}, parked {d.parked}, failed {d.failed}
                    {d.lastError ? `; last error ${d.lastError.message} at ${d.lastError.time}` : ''}
                  </li>
                ))}
              </ul>
            </View>
          )}
          <Flex gap="size-200" wrap>
            {ORDER.filter((s) => data.series[s]).map((s) => (
              <StreamPanel key={s} stream={s} series={data.series[s] as StreamSeries} failureRate={data.report.streams[s]?.failureRateLastHour ?? null} now={now} />
            ))}
            {ORDER.every((s) => !data.series[s]) && <Text>No delivery in the last 24 hours.</Text>}
          </Flex>
        </>
      )}
    </Flex>
  );
}
