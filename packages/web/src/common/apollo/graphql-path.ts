/** The console talks to one endpoint: HTTP (queries, mutations, multipart uploads) and WebSocket (the event feed). */
export const GRAPHQL_PATH = '/graphql';
