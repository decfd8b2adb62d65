import type { ApolloClient } from '@apollo/client';
import { inject, type InjectionKey } from 'vue';

export const apolloClientKey: InjectionKey<ApolloClient> = Symbol('ApolloClient');

/** The Apollo client provided by the app (or by a test). */
export function useApolloClient(): ApolloClient {
  const client = inject(apolloClientKey);
  if (!client) throw new Error('No Apollo client provided: call app.provide(apolloClientKey, client).');
  return client;
}
