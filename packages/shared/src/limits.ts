/** Largest page a list query returns at once. */
export const MAX_PAGE_SIZE = 100;

/** Page size when the client does not ask for one. */
export const DEFAULT_PAGE_SIZE = 50;
