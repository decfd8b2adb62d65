import type { OperationVariables, TypedDocumentNode } from '@apollo/client';
import { shallowRef, type Ref } from 'vue';
import { useApolloClient } from './apollo-client-key.js';

export interface UseMutationResult<TData, TVariables> {
  /** Runs the mutation; rejects on network and GraphQL errors (payload `errors` are data, not rejections). */
  mutate(variables: TVariables): Promise<TData>;
  running: Ref<boolean>;
}

/**
 * Runs a mutation, then refetches the active queries so every view shows the change (until
 * certificate events arrive over the subscription).
 */
export function useMutation<TData, TVariables extends OperationVariables>(
  document: TypedDocumentNode<TData, TVariables>,
): UseMutationResult<TData, TVariables> {
  const client = useApolloClient();
  const running = shallowRef(false);
  return {
    running,
    async mutate(variables) {
      running.value = true;
      try {
        const result = await client.mutate<TData, TVariables>({ mutation: document, variables } as never);
        if (result.error) throw result.error;
        if (!result.data) throw new Error('The server returned no data.');
        void client.refetchQueries({ include: 'active' });
        return result.data as TData;
      } finally {
        running.value = false;
      }
    },
  };
}
