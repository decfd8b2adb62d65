import { describe, expect, it } from 'vitest';
import { ref } from 'vue';
import { useListSelection } from './use-list-selection.js';

const ids = ['a', 'b', 'c', 'd', 'e', 'f'];

function setup(list: string[] = ids) {
  const source = ref<readonly string[]>(list);
  return { source, selection: useListSelection(source) };
}

describe('useListSelection', () => {
  it('selects one row with a plain click, replacing the selection', () => {
    const { selection } = setup();
    selection.click(1);
    selection.click(3);
    expect(selection.selectedIds.value).toEqual(['d']);
    expect(selection.activeIndex.value).toBe(3);
  });

  it('adds and removes rows with Ctrl/Cmd-click', () => {
    const { selection } = setup();
    selection.click(0);
    selection.click(2, { toggle: true });
    selection.click(4, { toggle: true });
    expect(selection.selectedIds.value).toEqual(['a', 'c', 'e']);
    selection.click(2, { toggle: true });
    expect(selection.selectedIds.value).toEqual(['a', 'e']);
  });

  it('selects a range from the anchor with Shift-click, in either direction, and Ctrl+Shift adds it', () => {
    const { selection } = setup();
    selection.click(2);
    selection.click(4, { range: true });
    expect(selection.selectedIds.value).toEqual(['c', 'd', 'e']);
    selection.click(0, { range: true });
    expect(selection.selectedIds.value).toEqual(['a', 'b', 'c']);
    selection.click(5, { toggle: true });
    selection.click(4, { range: true, toggle: true });
    expect(selection.selectedIds.value).toEqual(['a', 'b', 'c', 'e', 'f']);
  });

  it('selects everything with Ctrl+A or Cmd+A, but not with a plain A', () => {
    const { selection } = setup();
    expect(selection.key({ key: 'a' })).toBe(false);
    expect(selection.selectedIds.value).toEqual([]);
    expect(selection.key({ key: 'a', ctrlKey: true })).toBe(true);
    expect(selection.selectedIds.value).toEqual(ids);
    selection.clear();
    expect(selection.key({ key: 'A', metaKey: true })).toBe(true);
    expect(selection.selectedIds.value).toEqual(ids);
  });

  it('moves the selection with the arrows, extends it with Shift, and moves focus only with Ctrl', () => {
    const { selection } = setup();
    selection.click(1);
    selection.key({ key: 'ArrowDown' });
    expect(selection.selectedIds.value).toEqual(['c']);
    selection.key({ key: 'ArrowDown', shiftKey: true });
    selection.key({ key: 'ArrowDown', shiftKey: true });
    expect(selection.selectedIds.value).toEqual(['c', 'd', 'e']);
    selection.key({ key: 'ArrowUp', shiftKey: true });
    expect(selection.selectedIds.value).toEqual(['c', 'd']);
    selection.key({ key: 'ArrowDown', ctrlKey: true });
    selection.key({ key: 'ArrowDown', ctrlKey: true });
    expect(selection.activeIndex.value).toBe(5);
    expect(selection.selectedIds.value).toEqual(['c', 'd']);
  });

  it('keeps the row that the arrows selected when Space follows, as the hint says', () => {
    const { selection } = setup();
    selection.key({ key: 'ArrowDown' });
    expect(selection.selectedIds.value).toEqual(['b']);
    selection.key({ key: ' ' });
    expect(selection.selectedIds.value).toEqual(['b']);
    selection.key({ key: ' ' });
    expect(selection.selectedIds.value).toEqual(['b']);
  });

  it('adds the focused row with Space and toggles it with Ctrl+Space, so Ctrl+arrows pick rows that are not adjacent', () => {
    const { selection } = setup();
    selection.key({ key: ' ' });
    expect(selection.selectedIds.value).toEqual(['a']);
    selection.key({ key: 'ArrowDown', ctrlKey: true });
    selection.key({ key: 'ArrowDown', ctrlKey: true });
    selection.key({ key: ' ' });
    expect(selection.selectedIds.value).toEqual(['a', 'c']);
    selection.key({ key: ' ', ctrlKey: true });
    expect(selection.selectedIds.value).toEqual(['a']);
    selection.key({ key: ' ', metaKey: true });
    expect(selection.selectedIds.value).toEqual(['a', 'c']);
  });

  it('stops at the ends and jumps with Home, End and the page keys', () => {
    const { selection } = setup();
    selection.key({ key: 'ArrowUp' });
    expect(selection.activeIndex.value).toBe(0);
    selection.key({ key: 'End' });
    expect(selection.selectedIds.value).toEqual(['f']);
    selection.key({ key: 'ArrowDown' });
    expect(selection.activeIndex.value).toBe(5);
    selection.key({ key: 'PageUp' }, 4);
    expect(selection.activeIndex.value).toBe(1);
    selection.key({ key: 'Home', shiftKey: true });
    expect(selection.selectedIds.value).toEqual(['a', 'b']);
    selection.key({ key: 'PageDown' }, 4);
    expect(selection.selectedIds.value).toEqual(['e']);
  });

  it('drops ids that leave the list and keeps focus on the same row', async () => {
    const { source, selection } = setup();
    selection.click(1);
    selection.click(3, { toggle: true });
    source.value = ['a', 'c', 'd', 'e'];
    await Promise.resolve();
    expect(selection.selectedIds.value).toEqual(['d']);
    expect(selection.activeIndex.value).toBe(2);
  });

  it('ignores keys it does not own', () => {
    const { selection } = setup();
    expect(selection.key({ key: 'x' })).toBe(false);
    expect(selection.key({ key: 'Enter' })).toBe(false);
  });
});
