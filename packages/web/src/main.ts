import { createApp } from 'vue';
import App from './App.vue';
import { createApolloClient } from './common/apollo/apollo-client.js';
import { apolloClientKey } from './common/apollo/apollo-client-key.js';
import { messagesEn } from './common/i18n/messages.en.js';
import './common/styles/console.css';

document.title = messagesEn.app.title;
createApp(App).provide(apolloClientKey, createApolloClient()).mount('#app');
