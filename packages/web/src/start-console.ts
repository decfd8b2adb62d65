import type { NormalizedCacheObject } from '@apollo/client';
import { createApp, createSSRApp } from 'vue';
import App from './App.vue';
import { createApolloClient } from './common/apollo/apollo-client.js';
import { apolloClientKey } from './common/apollo/apollo-client-key.js';
import type { EarlyRequests } from './common/apollo/early-requests.js';
import { messagesEn } from './common/i18n/messages.en.js';
import { renderedOnServerKey } from './rendered-on-server-key.js';

const container = '#app';

/** Mounts the console; its first queries are answered by the requests `main.ts` sent while this code loaded. */
export function startConsole(early: EarlyRequests): void {
  document.title = messagesEn.app.title;
  createApp(App).provide(apolloClientKey, createApolloClient(window.location.href, { early })).mount(container);
  markStarted();
}

/** Takes over the first view the server rendered (hydration), from the Apollo cache it was rendered from. */
export function hydrateConsole(state: unknown): void {
  createSSRApp(App)
    .provide(apolloClientKey, createApolloClient(window.location.href, { rendered: state as NormalizedCacheObject }))
    .provide(renderedOnServerKey, true)
    .mount(container);
  markStarted();
}

/**
 * The console answers input from now on: a server-rendered page shows the view before its code runs,
 * so tests and the bench wait for this mark before they click.
 */
function markStarted(): void {
  document.querySelector<HTMLElement>(container)?.setAttribute('data-started', '');
}
