import type { NormalizedCacheObject } from '@apollo/client';
import { type App as VueApp, createApp, createSSRApp } from 'vue';
import App from './App.vue';
import { createApolloClient, type FirstAnswers } from './common/apollo/apollo-client.js';
import { apolloClientKey } from './common/apollo/apollo-client-key.js';
import { AppliedEvents, appliedEventsKey } from './common/apollo/applied-events.js';
import type { EarlyRequests } from './common/apollo/early-requests.js';
import { messagesEn } from './common/i18n/messages.en.js';
import { renderedOnServerKey } from './rendered-on-server-key.js';

const container = '#app';

/** Mounts the console; its first queries are answered by the requests `main.ts` sent while this code loaded. */
export function startConsole(early: EarlyRequests): void {
  document.title = messagesEn.app.title;
  withApolloClient(createApp(App), { early }).mount(container);
  markStarted();
}

/** Takes over the first view the server rendered (hydration), from the Apollo cache it was rendered from. */
export function hydrateConsole(state: unknown): void {
  withApolloClient(createSSRApp(App), { rendered: state as NormalizedCacheObject })
    .provide(renderedOnServerKey, true)
    .mount(container);
  markStarted();
}

/** Provides the console's Apollo client and the live feed's record of the events applied to it. */
function withApolloClient(app: VueApp, first: FirstAnswers): VueApp {
  const appliedEvents = new AppliedEvents();
  return app.provide(apolloClientKey, createApolloClient(appliedEvents, first)).provide(appliedEventsKey, appliedEvents);
}

/**
 * The console answers input from now on: a server-rendered page shows the view before its code runs,
 * so tests and the bench wait for this mark before they click.
 */
function markStarted(): void {
  document.querySelector<HTMLElement>(container)?.setAttribute('data-started', '');
}
