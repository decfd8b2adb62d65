import { ErrorCode } from '@bam/shared';
import type { ValidationRule } from 'graphql';
import { limitError } from './limit-error.js';

declare module 'graphql' {
  interface GraphQLFieldExtensions<_TSource, _TContext, _TArgs> {
    /** Set by `@Extensions(oncePerDocument)`: the field may be selected once per document. */
    oncePerDocument?: boolean;
  }
}

/** Marks an expensive mutation (key generation, PFX reading): `@Extensions(oncePerDocument)`. */
export const oncePerDocument = { oncePerDocument: true } as const;

/**
 * Refuses a document that selects a field marked {@link oncePerDocument} more than once (aliases
 * included), so one request cannot multiply the server's most expensive work.
 */
export const oncePerDocumentRule: ValidationRule = (context) => {
  const selected = new Set<string>();
  return {
    Field(node) {
      const field = context.getFieldDef();
      if (!field?.extensions.oncePerDocument) return;
      if (selected.has(field.name)) {
        context.reportError(limitError(ErrorCode.QUERY_TOO_COMPLEX, `"${field.name}" may appear once per request.`, [node]));
      }
      selected.add(field.name);
    },
  };
};
