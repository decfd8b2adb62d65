import { computed, type ComputedRef, type Ref, shallowRef, watch } from 'vue';

/** Modifier keys of a click or key press; `toggle` is Ctrl on Windows/Linux and Cmd on macOS. */
export interface SelectionModifiers {
  toggle?: boolean;
  range?: boolean;
}

export interface SelectionKey {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  shiftKey?: boolean;
}

export interface ListSelection {
  /** Selected ids, in list order. */
  selectedIds: ComputedRef<string[]>;
  selectedSet: Ref<ReadonlySet<string>>;
  /** The row with keyboard focus (-1 when the list is empty). */
  activeIndex: Ref<number>;
  isSelected(id: string): boolean;
  /** A click on a row: plain selects it alone, toggle adds or removes it, range selects from the anchor. */
  click(index: number, modifiers?: SelectionModifiers): void;
  /** Keys of a desktop list; returns whether the key was handled (the caller then prevents the default). */
  key(event: SelectionKey, pageSize?: number): boolean;
  selectAll(): void;
  clear(): void;
  /** Moves keyboard focus to a row without changing the selection. */
  focus(index: number): void;
}

/**
 * Selection of a desktop list (Windows list view, macOS Finder): click, Ctrl/Cmd-click, Shift-click
 * ranges from the anchor, Ctrl/Cmd+A, arrows (Shift extends, Ctrl moves focus only), Space (adds the
 * focused row) and Ctrl/Cmd+Space (adds or removes it).
 * Ids that leave the list leave the selection.
 */
export function useListSelection(ids: Ref<readonly string[]>): ListSelection {
  const selectedSet = shallowRef<ReadonlySet<string>>(new Set());
  const activeIndex = shallowRef(ids.value.length ? 0 : -1);
  let anchorIndex = activeIndex.value;

  const selectedIds = computed(() => ids.value.filter((id) => selectedSet.value.has(id)));

  watch(ids, (current, previous) => {
    const present = new Set(current);
    const kept = [...selectedSet.value].filter((id) => present.has(id));
    if (kept.length !== selectedSet.value.size) selectedSet.value = new Set(kept);
    // Keep focus on the same row when it is still there, else on the row now at that place.
    const activeId = previous?.[activeIndex.value];
    const moved = activeId === undefined ? -1 : current.indexOf(activeId);
    activeIndex.value = moved >= 0 ? moved : Math.min(Math.max(activeIndex.value, 0), current.length - 1);
    anchorIndex = Math.min(Math.max(anchorIndex, 0), current.length - 1);
  });

  function range(from: number, to: number): string[] {
    const [low, high] = from <= to ? [from, to] : [to, from];
    return ids.value.slice(Math.max(low, 0), high + 1);
  }

  function set(next: Iterable<string>) {
    selectedSet.value = new Set(next);
  }

  function click(index: number, { toggle = false, range: extend = false }: SelectionModifiers = {}) {
    const id = ids.value[index];
    if (id === undefined) return;
    if (extend) {
      const span = range(anchorIndex < 0 ? index : anchorIndex, index);
      set(toggle ? [...selectedSet.value, ...span] : span);
    } else if (toggle) {
      const next = new Set(selectedSet.value);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      set(next);
      anchorIndex = index;
    } else {
      set([id]);
      anchorIndex = index;
    }
    activeIndex.value = index;
  }

  function move(target: number, { toggle, extend }: { toggle: boolean; extend: boolean }) {
    const last = ids.value.length - 1;
    if (last < 0) return;
    const index = Math.min(Math.max(target, 0), last);
    activeIndex.value = index;
    if (extend) set(toggle ? [...selectedSet.value, ...range(anchorIndex, index)] : range(anchorIndex, index));
    else if (!toggle) {
      set([ids.value[index]!]);
      anchorIndex = index;
    }
  }

  function key(event: SelectionKey, pageSize = 10): boolean {
    const toggle = Boolean(event.ctrlKey || event.metaKey);
    const extend = Boolean(event.shiftKey);
    const current = activeIndex.value;
    switch (event.key) {
      case 'ArrowDown':
        move(current + 1, { toggle, extend });
        return true;
      case 'ArrowUp':
        move(current <= 0 ? 0 : current - 1, { toggle, extend });
        return true;
      case 'Home':
        move(0, { toggle, extend });
        return true;
      case 'End':
        move(ids.value.length - 1, { toggle, extend });
        return true;
      case 'PageDown':
        move(current + pageSize, { toggle, extend });
        return true;
      case 'PageUp':
        move(current - pageSize, { toggle, extend });
        return true;
      case ' ':
      case 'Spacebar': {
        if (current < 0) return true;
        if (extend) set(range(anchorIndex, current));
        // Space adds the focused row (arrows have usually selected it already: it stays); Ctrl/Cmd+Space toggles it.
        else if (toggle || !selectedSet.value.has(ids.value[current] ?? '')) click(current, { toggle: true });
        else anchorIndex = current;
        return true;
      }
      case 'a':
      case 'A':
        if (!toggle) return false;
        selectAll();
        return true;
      default:
        return false;
    }
  }

  function selectAll() {
    set(ids.value);
  }

  function clear() {
    set([]);
  }

  function focus(index: number) {
    if (index >= 0 && index < ids.value.length) activeIndex.value = index;
  }

  return {
    selectedIds,
    selectedSet,
    activeIndex,
    isSelected: (id) => selectedSet.value.has(id),
    click,
    key,
    selectAll,
    clear,
    focus,
  };
}
