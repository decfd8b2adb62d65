import type { ErrorLike, ObservableQuery, OperationVariables, TypedDocumentNode } from '@apollo/client';
import { computed, type MaybeRefOrGetter, onScopeDispose, type Ref, shallowRef, toValue, watch } from 'vue';
import { useApolloClient } from './apollo-client-key.js';

export interface UseQueryOptions<TVariables> {
  variables?: MaybeRefOrGetter<TVariables>;
  /** While false the query does not run (e.g. no organization selected yet). */
  enabled?: MaybeRefOrGetter<boolean>;
}

export interface UseQueryResult<TData, TVariables extends OperationVariables> {
  data: Ref<TData | undefined>;
  /** True while a request is in flight, including refetches. */
  loading: Ref<boolean>;
  error: Ref<ErrorLike | undefined>;
  refetch(): Promise<void>;
  fetchMore(variables: Partial<TVariables>): Promise<void>;
}

/**
 * Watches a query in the Apollo cache: the refs follow the cache (so a mutation's result shows at
 * once) and re-run when the variables change. Stops when the calling component or scope is disposed.
 */
export function useQuery<TData, TVariables extends OperationVariables>(
  document: TypedDocumentNode<TData, TVariables>,
  options: UseQueryOptions<NoInfer<TVariables>> = {},
): UseQueryResult<TData, TVariables> {
  const client = useApolloClient();
  const data = shallowRef<TData>();
  const loading = shallowRef(false);
  const error = shallowRef<ErrorLike>();
  const enabled = computed(() => toValue(options.enabled) ?? true);
  const variables = computed(() => toValue(options.variables) ?? ({} as TVariables));

  let observable: ObservableQuery<TData, TVariables> | undefined;
  let subscription: { unsubscribe(): void } | undefined;

  // Created when first enabled, with the variables of that moment; later changes re-run it.
  watch(
    [enabled, variables],
    ([isEnabled, current], previous) => {
      if (!isEnabled) return;
      if (!observable) {
        observable = client.watchQuery<TData, TVariables>({ query: document, variables: current } as never);
        subscription = observable.subscribe({
          next(result) {
            loading.value = result.loading;
            error.value = result.error;
            if (result.dataState === 'complete' || result.dataState === 'streaming') data.value = result.data as TData;
          },
        });
      } else if (previous && JSON.stringify(current) !== JSON.stringify(previous[1])) {
        void observable.reobserve({ variables: current }).catch(() => undefined);
      }
    },
    { immediate: true },
  );

  onScopeDispose(() => subscription?.unsubscribe());

  return {
    data,
    loading,
    error,
    async refetch() {
      await observable?.refetch().catch(() => undefined);
    },
    async fetchMore(more) {
      await observable?.fetchMore({ variables: more } as never).catch((failure: ErrorLike) => {
        error.value = failure;
      });
    },
  };
}
