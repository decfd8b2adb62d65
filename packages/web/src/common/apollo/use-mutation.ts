import type { DocumentNode, OperationVariables, TypedDocumentNode } from '@apollo/client';
import { shallowRef, type Ref } from 'vue';
import { useApolloClient } from './apollo-client-key.js';

export interface UseMutationOptions {
  /**
   * Watched queries the result cannot update in the cache (a new row in a list, say), refetched once
   * the mutation succeeds. Everything else follows from the result (normalized by id) or arrives as a
   * certificate event (`events/`).
   */
  refetchQueries?: readonly DocumentNode[];
}

export interface UseMutationResult<TData, TVariables> {
  /** Runs the mutation; rejects on network and GraphQL errors (payload `errors` are data, not rejections). */
  mutate(variables: TVariables): Promise<TData>;
  running: Ref<boolean>;
}

/** Runs a mutation; its result updates the cache, so the views that show what it returns change at once. */
export function useMutation<TData, TVariables extends OperationVariables>(
  document: TypedDocumentNode<TData, TVariables>,
  { refetchQueries = [] }: UseMutationOptions = {},
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
        if (refetchQueries.length) void client.refetchQueries({ include: [...refetchQueries] });
        return result.data as TData;
      } finally {
        running.value = false;
      }
    },
  };
}
