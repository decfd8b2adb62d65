import { onScopeDispose, type Ref, shallowRef, watch } from 'vue';

/** Follows `source` once it has stopped changing for `delay` ms (typing in a filter box). */
export function useDebounced<T>(source: Ref<T>, delay: number): Ref<T> {
  const debounced = shallowRef(source.value) as Ref<T>;
  let timer: ReturnType<typeof setTimeout> | undefined;
  watch(source, (value) => {
    clearTimeout(timer);
    timer = setTimeout(() => (debounced.value = value), delay);
  });
  onScopeDispose(() => clearTimeout(timer));
  return debounced;
}
