/**
 * Routes: the table the receivers use (ROUTES, or the per-stream defaults),
 * and a tester that normalizes a sample or pasted event with the receivers'
 * own modules and shows which routes it reaches. Nothing is handed off.
 */
import React, { useEffect, useState } from 'react';
import { Button } from '@adobe/react-spectrum/Button';
import { Content } from '@adobe/react-spectrum/Content';
import { Flex } from '@adobe/react-spectrum/Flex';
import { Heading } from '@adobe/react-spectrum/Heading';
import { InlineAlert } from '@adobe/react-spectrum/InlineAlert';
import { Item, Picker } from '@adobe/react-spectrum/Picker';
import { Text } from '@adobe/react-spectrum/Text';
import { TextArea } from '@adobe/react-spectrum/TextArea';
import { View } from '@adobe/react-spectrum/View';
import { Well } from '@adobe/react-spectrum/Well';
import type { ConsoleApi, RouteInfo, RouteTestResult, StreamName } from '../api';
import { SAMPLES } from '../samples';

const STREAMS: StreamName[] = ['user-audit', 'notification', 'lead-activity', 'observability'];

export function RoutesView({ api }: { api: ConsoleApi }) {
  const [info, setInfo] = useState<RouteInfo>();
  const [error, setError] = useState<string>();
  const [stream, setStream] = useState<StreamName>('user-audit');
  const [sample, setSample] = useState<string>(SAMPLES[0].key);
  const [text, setText] = useState(() => JSON.stringify(SAMPLES[0].make(), null, 2));
  const [result, setResult] = useState<RouteTestResult>();

  useEffect(() => {
    api.routes().then(setInfo, (e: Error) => setError(e.message));
  }, [api]);

  const pick = (key: string) => {
    const s = SAMPLES.find((x) => x.key === key);
    if (!s) return;
    setSample(key);
    setStream(s.stream);
    setText(JSON.stringify(s.make(), null, 2));
    setResult(undefined);
  };
  const test = () => {
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch (e) {
      setError(`the event is not JSON: ${(e as Error).message}`);
      return;
    }
    setError(undefined);
    api.testRoute(stream, event).then(setResult, (e: Error) => (setResult(undefined), setError(e.message)));
  };

  return (
    <Flex direction="column" gap="size-300">
      <View>
        <Heading level={3}>Routes in effect</Heading>
        {info && (
          <>
            <Text>From {info.source}{info.default ? `; events matching no route go to ${info.default}` : '; events matching no route are dead-lettered as unrouted'}.</Text>
            <table aria-label="Routes in effect" style={{ borderCollapse: 'collapse', marginTop: 8, fontSize: 13 }}>
              <thead>
                <tr>
                  <th style={{ textAlign: 'left', paddingRight: 16 }}>route</th>
                  <th style={{ textAlign: 'left', paddingRight: 16 }}>action</th>
                  <th style={{ textAlign: 'left' }}>match</th>
                </tr>
              </thead>
              <tbody>
                {info.routes.map((r) => (
                  <tr key={r.name} data-testid="route-row">
                    <td style={{ paddingRight: 16 }}>{r.name}</td>
                    <td style={{ paddingRight: 16 }}>
                      <code>{r.action}</code>
                    </td>
                    <td>
                      <code>{JSON.stringify(r.match)}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </View>
      <Well>
        <Flex direction="column" gap="size-150">
          <Heading level={3} margin={0}>Route tester</Heading>
          <Flex gap="size-200" wrap>
            <Picker label="Sample event" selectedKey={sample} onSelectionChange={(k) => pick(String(k))} width="size-4600">
              {SAMPLES.map((s) => (
                <Item key={s.key}>{s.label}</Item>
              ))}
            </Picker>
            <Picker label="Received by" selectedKey={stream} onSelectionChange={(k) => setStream(k as StreamName)}>
              {STREAMS.map((s) => (
                <Item key={s}>{s}</Item>
              ))}
            </Picker>
          </Flex>
          <TextArea label="Event (or delivery) as JSON — paste your own" value={text} onChange={setText} width="100%" height="size-3600" UNSAFE_style={{ fontFamily: 'monospace' }} />
          <Button variant="accent" onPress={test} alignSelf="start">
            Test routes
          </Button>
        </Flex>
      </Well>
      {error && (
        <InlineAlert variant="negative">
          <Heading>Cannot test</Heading>
          <Content>{error}</Content>
        </InlineAlert>
      )}
      {result && (
        <View data-testid="route-result">
          <Heading level={3}>Result ({result.transport})</Heading>
          {result.routes.length === 0 && <Text>No route takes these events.</Text>}
          <ul aria-label="Routes reached">
            {result.routes.map((r) => (
              <li key={r.route} data-testid="route-hit">
                <strong>{r.route}</strong> → <code>{r.action}</code> ({r.ids.length} event{r.ids.length === 1 ? '' : 's'})
              </li>
            ))}
            {result.unrouted.length > 0 && <li data-testid="route-unrouted">unrouted: {result.unrouted.length} event(s)</li>}
          </ul>
          {result.unusable.map((u, i) => (
            <Text key={i}>Not usable: {u.reason}</Text>
          ))}
          <Heading level={4}>Normalized envelope{result.envelopes.length === 1 ? '' : 's'}</Heading>
          <pre style={{ maxHeight: 420, overflow: 'auto', fontSize: 12 }} data-testid="route-envelopes" tabIndex={0} aria-label="Normalized envelopes as JSON">
            {JSON.stringify(result.envelopes, null, 2)}
          </pre>
        </View>
      )}
    </Flex>
  );
}
