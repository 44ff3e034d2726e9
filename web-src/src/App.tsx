/** The console: three views in tabs, React Spectrum's default theme (light or dark as the system is). */
import React, { useMemo } from 'react';
import { Flex, Heading, Item, Provider, TabList, TabPanels, Tabs, Text, View, defaultTheme } from '@adobe/react-spectrum';
import { consoleApi, type ConsoleApi, type Session } from './api';
import { RecordsView } from './views/Records';
import { RoutesView } from './views/Routes';
import { StreamsView } from './views/Streams';

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
              <Item key="streams">
                <View paddingTop="size-200">
                  <StreamsView api={api} />
                </View>
              </Item>
              <Item key="records">
                <View paddingTop="size-200">
                  <RecordsView api={api} />
                </View>
              </Item>
              <Item key="routes">
                <View paddingTop="size-200">
                  <RoutesView api={api} />
                </View>
              </Item>
            </TabPanels>
          </Tabs>
        </Flex>
      </View>
    </Provider>
  );
}
