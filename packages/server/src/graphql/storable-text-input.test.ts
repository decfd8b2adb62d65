import { buildSchema, type OperationDefinitionNode, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { DomainError } from '../common/domain-error.js';
import { storableTextRule, unstorableTextInVariables } from './storable-text-input.js';

const schema = buildSchema(`
  input Filter { names: [String!], id: ID }
  type Query { find(id: ID, filter: Filter, count: Int): Int }
`);

function operationOf(text: string): OperationDefinitionNode {
  return parse(text).definitions[0] as OperationDefinitionNode;
}

const finding = operationOf('query($id: ID, $filter: Filter) { find(id: $id, filter: $filter) }');

describe('storableTextRule', () => {
  it('refuses a string literal holding U+0000 anywhere in the document, with INVALID_INPUT', () => {
    for (const text of [
      '{ find(id: "a\\u0000") }',
      '{ find(filter: { names: ["a", "b\\u0000"] }) }',
      'query($id: ID = "x\\u0000") { find(id: $id) }',
    ]) {
      const errors = validate(schema, parse(text), [storableTextRule]);
      expect(
        errors.map((error) => (error.originalError as DomainError).code),
        text,
      ).toEqual(['INVALID_INPUT']);
    }
  });

  it('lets other text through', () => {
    expect(validate(schema, parse('{ find(id: "a\\\\u0000", filter: { names: ["é", "\\t"] }) }'), [storableTextRule])).toEqual([]);
  });
});

describe('unstorableTextInVariables', () => {
  it('finds U+0000 at any depth of a declared variable', () => {
    expect(unstorableTextInVariables(finding, { id: 'a\u0000' })?.originalError).toMatchObject({ code: 'INVALID_INPUT' });
    expect(unstorableTextInVariables(finding, { filter: { names: ['a', '\u0000'] } })).toBeDefined();
    expect(unstorableTextInVariables(finding, { id: 'a', filter: { names: ['b'], id: null } })).toBeUndefined();
    expect(unstorableTextInVariables(finding, undefined)).toBeUndefined();
  });

  it('leaves variables the operation does not declare, and values that are not JSON (uploads), to graphql-js', () => {
    expect(unstorableTextInVariables(finding, { other: '\u0000' })).toBeUndefined();
    class Upload {
      name = '\u0000';
    }
    expect(unstorableTextInVariables(finding, { filter: new Upload() })).toBeUndefined();
  });

  it('reads deep nesting and long lists without exhausting the stack', () => {
    let deep: unknown = '\u0000';
    for (let level = 0; level < 200_000; level++) deep = [deep];
    expect(unstorableTextInVariables(finding, { filter: deep })).toBeDefined();
    expect(unstorableTextInVariables(finding, { filter: { names: Array.from({ length: 1_000_000 }, () => 'a') } })).toBeUndefined();
  });
});
