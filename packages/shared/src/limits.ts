/** Largest page a list query returns at once. */
export const MAX_PAGE_SIZE = 100;

/** Page size when the client does not ask for one. */
export const DEFAULT_PAGE_SIZE = 50;

/** Largest GraphQL request the server accepts, over HTTP (JSON body) and WebSocket (one message): 1 MiB. */
export const GRAPHQL_REQUEST_MAX_BYTES = 1024 * 1024;
