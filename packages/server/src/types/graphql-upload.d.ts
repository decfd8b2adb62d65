// graphql-upload 17 ships JavaScript with JSDoc types only; these are the two modules used here.
declare module 'graphql-upload/GraphQLUpload.mjs' {
  import type { GraphQLScalarType } from 'graphql';

  const GraphQLUpload: GraphQLScalarType;
  export default GraphQLUpload;
}

declare module 'graphql-upload/Upload.mjs' {
  /** A file expected in a multipart request; the Upload scalar resolves to `promise`. */
  export default class Upload {
    promise: Promise<unknown>;
    file?: unknown;
    resolve(file: unknown): void;
    reject(error: Error): void;
  }
}
