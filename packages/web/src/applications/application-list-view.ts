import { computed, type ComputedRef, type Ref, shallowRef } from 'vue';
import { useDebounced } from '../common/composables/use-debounced.js';
import type { BackupApplicationRowFragment } from '../generated/graphql.js';

/*
 * The manager sorts and filters in the browser, over every application of the organization: it already
 * loads them all in one query (Select all, Shift ranges and bulk updates act on the whole list, and the
 * virtual table renders only the rows in view), so sorting or filtering costs no request, keeps the
 * selection model working on the rows shown, and stays correct with 10,000 rows (a sort of that many
 * takes milliseconds). A server-side sort would mean paging the table, and Shift+End or Ctrl+A could
 * then not reach rows not yet loaded.
 */

/** The certificate states the manager filters by: the summary tiles of the Organizations view, one each. */
export const APPLICATION_STATES = ['configured', 'notConfigured', 'expiring', 'expired'] as const;
export type ApplicationState = (typeof APPLICATION_STATES)[number];

export const SORT_KEYS = ['displayName', 'applicationId', 'certificate', 'thumbprint', 'expires'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export interface SortOrder {
  key: SortKey;
  direction: 'ascending' | 'descending';
}

type Row = BackupApplicationRowFragment;

/**
 * Whether the row is in the state. Expiring and expired read the server's `Certificate.status` — the
 * rule `Organization.certificateSummary` counts with — so a tile's count and the rows it opens agree.
 */
export function hasState(row: Row, state: ApplicationState): boolean {
  switch (state) {
    case 'configured':
      return row.certificate !== null && row.certificate !== undefined;
    case 'notConfigured':
      return !row.certificate;
    case 'expiring':
      return row.certificate?.status === 'EXPIRING_SOON';
    case 'expired':
      return row.certificate?.status === 'EXPIRED';
  }
}

/** Case-insensitive "contains" on the display name, or on the application id (pasted from Entra). */
export function matchesText(row: Row, text: string): boolean {
  const wanted = text.trim().toLocaleLowerCase();
  return wanted === '' || row.displayName.toLocaleLowerCase().includes(wanted) || row.applicationId.toLowerCase().includes(wanted);
}

/** Names as people read them: "Backup 2" before "Backup 10", case ignored. */
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/**
 * Hex and ids (thumbprints, application GUIDs) character by character, case ignored: a numeric collation
 * would read "2886…" and "21493…" as numbers and put the first one first.
 */
function compareCodes(a: string, b: string): number {
  const [left, right] = [a.toUpperCase(), b.toUpperCase()];
  return left < right ? -1 : left > right ? 1 : 0;
}

/** The value a column sorts by; null sorts last in either direction (an empty cell is never "first"). */
const sortValue: Record<SortKey, (row: Row) => string | number | null> = {
  displayName: (row) => row.displayName,
  applicationId: (row) => row.applicationId,
  // Configured before Not configured.
  certificate: (row) => (row.certificate ? 0 : 1),
  thumbprint: (row) => row.certificate?.thumbprint ?? null,
  expires: (row) => (row.certificate ? Date.parse(row.certificate.notAfter) : null),
};

/** The columns of codes, compared as text; the other text column, the name, as people read it. */
const CODE_COLUMNS: ReadonlySet<SortKey> = new Set(['applicationId', 'thumbprint']);

function compareValues(key: SortKey, a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return CODE_COLUMNS.has(key) ? compareCodes(String(a), String(b)) : collator.compare(String(a), String(b));
}

/** Display name, then application id: the server's order, so equal keys keep a stable, predictable order. */
function tieBreak(a: Row, b: Row): number {
  return collator.compare(a.displayName, b.displayName) || compareCodes(a.applicationId, b.applicationId);
}

export function sortApplications(rows: readonly Row[], { key, direction }: SortOrder): Row[] {
  const sign = direction === 'ascending' ? 1 : -1;
  const value = sortValue[key];
  return [...rows].sort((a, b) => {
    const [left, right] = [value(a), value(b)];
    if (left === null || right === null) return left === right ? tieBreak(a, b) : left === null ? 1 : -1;
    return sign * compareValues(key, left, right) || tieBreak(a, b);
  });
}

export interface ApplicationListView {
  /** The certificate state shown; null: every application. */
  state: Ref<ApplicationState | null>;
  /** The name filter as typed; the list follows it once typing pauses. */
  text: Ref<string>;
  sort: Ref<SortOrder>;
  /** The rows to show: filtered, then sorted. */
  rows: ComputedRef<Row[]>;
  /** A filter (state or name) narrows the list. */
  filtered: ComputedRef<boolean>;
  /** Sorts by the column: ascending first, a second time descending. */
  sortBy(key: SortKey): void;
  clearFilter(): void;
}

export const DEFAULT_SORT: SortOrder = { key: 'displayName', direction: 'ascending' };

/** The manager's view of its applications: a state filter, a debounced name filter and a column sort. */
export function useApplicationListView(
  all: Ref<readonly Row[]>,
  initialState: ApplicationState | null = null,
  debounceMs = 200,
): ApplicationListView {
  const state = shallowRef<ApplicationState | null>(initialState);
  const text = shallowRef('');
  const appliedText = useDebounced(text, debounceMs);
  const sort = shallowRef<SortOrder>(DEFAULT_SORT);

  const rows = computed(() => {
    const wantedState = state.value;
    const matching = all.value.filter((row) => (wantedState === null || hasState(row, wantedState)) && matchesText(row, appliedText.value));
    return sortApplications(matching, sort.value);
  });

  return {
    state,
    text,
    sort,
    rows,
    filtered: computed(() => state.value !== null || appliedText.value.trim() !== ''),
    sortBy(key) {
      const current = sort.value;
      sort.value = { key, direction: current.key === key && current.direction === 'ascending' ? 'descending' : 'ascending' };
    },
    clearFilter() {
      state.value = null;
      text.value = '';
      appliedText.value = '';
    },
  };
}
