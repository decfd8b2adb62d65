import { createApp } from 'vue';
import App from './App.vue';
import { createApolloClient } from './common/apollo/apollo-client.js';
import { apolloClientKey } from './common/apollo/apollo-client-key.js';
import type { EarlyRequests } from './common/apollo/early-requests.js';
import { messagesEn } from './common/i18n/messages.en.js';

/** Mounts the console; its first queries are answered by the requests `main.ts` sent while this code loaded. */
export function startConsole(early: EarlyRequests): void {
  document.title = messagesEn.app.title;
  createApp(App).provide(apolloClientKey, createApolloClient(window.location.href, early)).mount('#app');
}
