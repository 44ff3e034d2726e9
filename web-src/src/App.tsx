/**
 * The console: three views in tabs, React Spectrum's default theme. Streams is
 * what opens; the other two views (and the table, dialogs and pickers only they
 * use) load when their tab is first opened.
 */
import React, { Suspense, lazy, useMemo } from 'react';
import { Flex } from '@adobe/react-spectrum/Flex';
import { Heading } from '@adobe/react-spectrum/Heading';
import { ProgressCircle } from '@adobe/react-spectrum/ProgressCircle';
import { Provider } from '@adobe/react-spectrum/Provider';
import { Item, TabList, TabPanels, Tabs } from '@adobe/react-spectrum/Tabs';
import { Text } from '@adobe/react-spectrum/Text';
import { View } from '@adobe/react-spectrum/View';
import { defaultTheme } from '@adobe/react-spectrum/defaultTheme';
import { consoleApi, type ConsoleApi, type Session } from './api';
import { StreamsView } from './views/Streams';

const RecordsView = lazy(() => import('./views/Records').then((m) => ({ default: m.RecordsView })));
const RoutesView = lazy(() => import('./views/Routes').then((m) => ({ default: m.RoutesView })));
/** A tab's content; a view still loading shows a spinner. */
const panel = (view: React.ReactNode) => (
  <View paddingTop="size-200">
    <Suspense fallback={<ProgressCircle aria-label="Loading the view" isIndeterminate />}>{view}</Suspense>
  </View>
);

export function App({ session, api: given, local }: { session: Session; api?: ConsoleApi; local?: boolean }) {
  const api = useMemo(() => given ?? consoleApi(session), [given, session]);
  return (
    <Provider theme={defaultTheme} locale="en-US" minHeight="100vh">
      <View padding="size-300" elementType="main">
        <Flex direction="column" gap="size-200">
          <Flex justifyContent="space-between" alignItems="baseline" wrap>
            <Heading level={1} margin={0}>Marketo stream relay</Heading>
            <Text>
              {session.user ? `${session.user} · ` : ''}
              {session.org}
              {local ? ' · local runtime' : ''}
            </Text>
          </Flex>
          <Tabs aria-label="Console views">
            <TabList>
              <Item key="streams">Streams</Item>
              <Item key="records">Parked and dead letters</Item>
              <Item key="routes">Routes</Item>
            </TabList>
            <TabPanels>
              <Item key="streams">{panel(<StreamsView api={api} />)}</Item>
              <Item key="records">{panel(<RecordsView api={api} />)}</Item>
              <Item key="routes">{panel(<RoutesView api={api} />)}</Item>
            </TabPanels>
          </Tabs>
        </Flex>
      </View>
    </Provider>
  );
}
