/** The console talks to one endpoint: HTTP (queries, mutations, multipart uploads) and WebSocket (subscriptions). */
export const GRAPHQL_PATH = '/graphql';
