import { ApolloServerErrorCode } from '@apollo/server/errors';
import { ErrorCode } from '@bam/shared';
import { GraphQLObjectType, type GraphQLOutputType, GraphQLSchema, GraphQLString } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../common/domain-error.js';
import { operationLimits } from './operation-limits.js';
import { validatedDocuments } from './validated-documents.js';

/** Query { name, level1 { name, level2 { … } } }: each level its own type, deeper than the depth limit allows. */
function createSchema() {
  let below: GraphQLOutputType = GraphQLString;
  for (let level = operationLimits.maxDepth + 2; level >= 1; level -= 1) {
    const inner: GraphQLOutputType = below;
    below = new GraphQLObjectType({ name: `Level${level}`, fields: { name: { type: GraphQLString }, [`level${level + 1}`]: { type: inner } } });
  }
  return new GraphQLSchema({ query: new GraphQLObjectType({ name: 'Query', fields: { name: { type: GraphQLString }, level1: { type: below } } }) });
}

/** `levels` levels of selection below the root: level1 { level2 { … name } }. */
const nested = (levels: number, level = 1): string => (level > levels ? 'name' : `level${level} { ${nested(levels, level + 1)} }`);
const codesOf = (checked: ReturnType<ReturnType<typeof validatedDocuments>>) => checked.errors?.map((error) => error.extensions['code']);

describe('validatedDocuments', () => {
  const schema = createSchema();

  it('parses and validates a text once: the same text gives back the same document', () => {
    const documentOf = validatedDocuments(schema);
    const first = documentOf('{ name }');
    expect(first.errors).toBeUndefined();
    expect(first.document?.kind).toBe('Document');
    expect(documentOf('{ name }').document).toBe(first.document);
    expect(documentOf('{ name level1 { name } }').document).not.toBe(first.document);
  });

  it('keeps only the texts used last', () => {
    const documentOf = validatedDocuments(schema, 2);
    const first = documentOf('{ name }').document;
    documentOf('query Second { name }');
    documentOf('query Third { name }');
    const again = documentOf('{ name }').document;
    expect(again).toEqual(first);
    expect(again).not.toBe(first);
  });

  it('refuses a document that does not parse, with Apollo’s code, every time', () => {
    const documentOf = validatedDocuments(schema);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const checked = documentOf('{ name');
      expect(checked.document).toBeUndefined();
      expect(codesOf(checked)).toEqual([ApolloServerErrorCode.GRAPHQL_PARSE_FAILED]);
    }
  });

  it('refuses an invalid document, with Apollo’s code, every time', () => {
    const documentOf = validatedDocuments(schema);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const checked = documentOf('{ nickname }');
      expect(checked.document).toBeUndefined();
      expect(codesOf(checked)).toEqual([ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED]);
      expect(checked.errors?.[0]?.message).toContain('nickname');
    }
  });

  it('applies the operation limits, as over HTTP', () => {
    const documentOf = validatedDocuments(schema);
    expect(documentOf(`{ ${nested(operationLimits.maxDepth - 1)} }`).errors).toBeUndefined();
    for (let attempt = 0; attempt < 2; attempt += 1) {
      // The limit's own code comes from its domain error, as the one formatter gives it on every transport.
      const refusals = documentOf(`{ ${nested(operationLimits.maxDepth + 1)} }`).errors?.map(({ originalError }) => originalError);
      expect(refusals).toContainEqual(expect.objectContaining({ code: ErrorCode.QUERY_TOO_COMPLEX }));
      expect(refusals?.[0]).toBeInstanceOf(DomainError);
    }
  });
});
