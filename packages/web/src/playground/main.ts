// The GraphQL playground: GraphiQL bundled with the console, so it works without internet
// (Apollo's default landing page loads its code from a CDN).
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/graphiql.css';
import './playground.css';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { messagesEn } from '../common/i18n/messages.en.js';

const endpoint = new URL('/graphql', window.location.href);
const subscriptionUrl = new URL(endpoint);
subscriptionUrl.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';

const fetcher = createGraphiQLFetcher({ url: endpoint.href, subscriptionUrl: subscriptionUrl.href });

const exampleQuery = `# Backup Applications Manager — GraphQL playground.
# The documentation explorer (book icon, left) describes every type and field.
query Organizations {
  organizations(first: 10) {
    totalCount
    edges {
      node {
        id
        name
        backupApplications {
          applicationId
          displayName
          certificate { thumbprint notAfter status }
        }
      }
    }
  }
}
`;

// The way back to the console, above GraphiQL.
const back = document.getElementById('back-to-console');
if (back) back.textContent = messagesEn.app.backToConsole;

const container = document.getElementById('playground');
if (container) createRoot(container).render(createElement(GraphiQL, { fetcher, defaultQuery: exampleQuery, defaultEditorToolsVisibility: true }));
