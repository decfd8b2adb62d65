import { computed, onBeforeUnmount, onMounted, type Ref, shallowRef, watch } from 'vue';

export interface VirtualRows {
  /** First and one-past-last index of the rows to render. */
  start: Ref<number>;
  end: Ref<number>;
  /** Space standing in for the rows above and below the rendered ones, in pixels. */
  paddingTop: Ref<number>;
  paddingBottom: Ref<number>;
  /** Rows that fit in the viewport (for Page Up / Page Down). */
  pageSize: Ref<number>;
  /** Scrolls just enough to show the row (below a sticky header of `headerHeight`). */
  scrollIntoView(index: number): void;
}

/**
 * Renders only the rows in view (plus some above and below) of a list with fixed-height rows, so a
 * table of thousands of applications stays as fast as one of ten.
 */
export function useVirtualRows(
  viewport: Ref<HTMLElement | null | undefined>,
  count: Ref<number>,
  rowHeight: number,
  { overscan = 8, headerHeight = 0 }: { overscan?: number; headerHeight?: number } = {},
): VirtualRows {
  const scrollTop = shallowRef(0);
  // Before the first measurement (and in DOM emulations without layout) assume a tall viewport.
  const viewportHeight = shallowRef(800);

  const visible = computed(() => Math.ceil(Math.max(viewportHeight.value - headerHeight, rowHeight) / rowHeight));
  const start = computed(() => Math.max(0, Math.floor(scrollTop.value / rowHeight) - overscan));
  const end = computed(() => Math.min(count.value, Math.floor(scrollTop.value / rowHeight) + visible.value + overscan));
  const paddingTop = computed(() => start.value * rowHeight);
  const paddingBottom = computed(() => Math.max(0, (count.value - end.value) * rowHeight));

  function measure() {
    const element = viewport.value;
    if (!element) return;
    scrollTop.value = element.scrollTop;
    if (element.clientHeight > 0) viewportHeight.value = element.clientHeight;
  }

  let observer: ResizeObserver | undefined;
  onMounted(() => {
    measure();
    if (typeof ResizeObserver !== 'undefined') {
      observer = new ResizeObserver(measure);
      if (viewport.value) observer.observe(viewport.value);
    }
  });
  watch(
    viewport,
    (element, previous) => {
      if (previous) previous.removeEventListener('scroll', measure);
      element?.addEventListener('scroll', measure, { passive: true });
      if (element) observer?.observe(element);
      measure();
    },
    { immediate: true },
  );
  onBeforeUnmount(() => {
    viewport.value?.removeEventListener('scroll', measure);
    observer?.disconnect();
  });

  function scrollIntoView(index: number) {
    const element = viewport.value;
    if (!element || index < 0) return;
    const top = index * rowHeight;
    const bottom = top + rowHeight;
    const viewTop = element.scrollTop;
    const viewBottom = viewTop + Math.max(viewportHeight.value - headerHeight, rowHeight);
    if (top < viewTop) element.scrollTop = top;
    else if (bottom > viewBottom) element.scrollTop = bottom - (viewBottom - viewTop);
    measure();
  }

  return { start, end, paddingTop, paddingBottom, pageSize: computed(() => Math.max(1, visible.value - 1)), scrollIntoView };
}
