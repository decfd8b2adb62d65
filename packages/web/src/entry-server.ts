import { ApolloClient, ApolloLink, type NormalizedCacheObject } from '@apollo/client';
import { createSSRApp } from 'vue';
import { renderToString } from 'vue/server-renderer';
import App from './App.vue';
import { createCache } from './common/apollo/apollo-client.js';
import { apolloClientKey } from './common/apollo/apollo-client-key.js';
import { type MeQuery, MeDocument, type OrganizationsQuery, OrganizationsDocument } from './generated/graphql.js';
import { firstPageVariables } from './organizations/organizations-first-page.js';

export { FIRST_VIEW_STATE_ID, firstViewRequests } from './first-view.js';

/** The first view rendered on the server: the app's HTML, and the Apollo cache it was rendered from, for the hydration. */
export interface RenderedFirstView {
  html: string;
  state: NormalizedCacheObject;
}

/**
 * Renders the Organizations view from the answers to {@link firstViewRequests} (each one's `data`,
 * by operation name). Undefined when the first view is another one (signed out, a password to
 * change). A new app, client and cache for each call: nothing is shared between requests.
 */
export async function renderFirstView(answers: Record<string, unknown>): Promise<RenderedFirstView | undefined> {
  const me = answers.Me as MeQuery | undefined;
  const organizations = answers.Organizations as OrganizationsQuery | undefined;
  if (!me?.me || me.me.mustChangePassword || !organizations) return undefined;

  const cache = createCache();
  cache.writeQuery({ query: MeDocument, data: me });
  cache.writeQuery({ query: OrganizationsDocument, variables: firstPageVariables, data: organizations });
  const state = cache.extract();
  // `ssrMode`: queries read the cache only; anything missing stays loading rather than being fetched.
  const client = new ApolloClient({ cache, link: ApolloLink.empty(), ssrMode: true });
  const html = await renderToString(createSSRApp(App).provide(apolloClientKey, client));
  return { html, state };
}
