import {
  buildSchema,
  GraphQLError,
  type GraphQLScalarType,
  type IntValueNode,
  parse,
  validate,
  ValuesOfCorrectTypeRule,
  type ValueNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { literalValuesRule } from './literal-values.rule.js';

const schema = buildSchema(`
  enum Color { RED GREEN }
  scalar Even
  input Secret { password: String! hint: String }
  input Holder { secrets: [Secret!] color: Color nested: Holder even: Even }
  input Choice @oneOf { byName: String byId: ID }
  type Query {
    take(secret: Secret, holder: Holder, ids: [ID!], count: Int, choice: Choice, matrix: [[Int]]): Int
  }
`);
// A custom scalar that refuses odd numbers with a message quoting them, as graphql-scalars' do.
Object.assign(schema.getType('Even') as GraphQLScalarType, {
  parseLiteral(node: ValueNode) {
    const value = (node as IntValueNode).value;
    if (node.kind !== 'IntValue' || Number(value) % 2 !== 0) throw new GraphQLError(`not even: ${value}`, { nodes: node });
    return Number(value);
  },
});

/** Documents whose literals graphql-js refuses; each holds `S3cret` where a value would be quoted. */
const documents = [
  '{ take(secret: { password: 123456, hint: "S3cret" }) }',
  '{ take(secret: "S3cret") }',
  '{ take(secret: { password: ["S3cret"] }) }',
  '{ take(secret: { password: { a: "S3cret" } }) }',
  '{ take(secret: { hint: "S3cret" }) }',
  '{ take(secret: { password: null, hint: "S3cret" }) }',
  '{ take(secret: { password: "p", extra: "S3cret" }) }',
  '{ take(ids: ["a", { x: "S3cret" }, S3cret]) }',
  '{ take(ids: [null, "S3cret"]) }',
  '{ take(count: "S3cret") }',
  '{ take(count: 99999999999) }',
  '{ take(count: 1.5) }',
  '{ take(holder: { color: S3cret }) }',
  '{ take(holder: { color: "S3cret" }) }',
  '{ take(holder: { even: 3, nested: { even: "S3cret", secrets: [{ password: 7 }, { password: true }] } }) }',
  '{ take(matrix: [[1, "S3cret"], 2, [true]]) }',
  '{ take(choice: { byName: "S3cret", byId: "1" }) }',
  '{ take(choice: { byName: null }) }',
  '{ take(choice: {}) }',
  '{ take(count: 1) @include(if: "S3cret") }',
  'query($s: Secret = { password: 42, hint: "S3cret" }, $n: [Int] = ["S3cret"]) { take(secret: $s, matrix: [$n]) }',
];

describe('literalValuesRule', () => {
  it.each(documents)('refuses what ValuesOfCorrectTypeRule refuses, where it does, quoting nothing: %s', (text) => {
    const document = parse(text);
    const theirs = validate(schema, document, [ValuesOfCorrectTypeRule]);
    const ours = validate(schema, document, [literalValuesRule]);
    expect(theirs.length).toBeGreaterThan(0);
    expect(ours.map((error) => error.locations)).toEqual(theirs.map((error) => error.locations));
    for (const error of ours) {
      expect(error.message).not.toMatch(/S3cret|123456|99999999999|1\.5|not even/);
      expect(error.message).toMatch(/^(Argument "\w+" of (field "take"|directive "@include")|Variable "\$\w+") has an invalid (default )?value/);
    }
  });

  it('accepts what ValuesOfCorrectTypeRule accepts', () => {
    const document = parse(
      'query($n: Int = 2) { take(secret: { password: "p" }, holder: { even: 4, color: RED, secrets: { password: "q" } }, ids: "1", count: $n, choice: { byId: 7 }, matrix: [[1], 2]) }',
    );
    expect(validate(schema, document, [ValuesOfCorrectTypeRule])).toEqual([]);
    expect(validate(schema, document, [literalValuesRule])).toEqual([]);
  });

  it('names the path, the type expected and the kind of literal found', () => {
    const messages = (text: string) => validate(schema, parse(text), [literalValuesRule]).map((error) => error.message);
    expect(messages('{ take(holder: { nested: { secrets: [{ password: "p" }, { password: 7 }] } }) }')).toEqual([
      'Argument "holder" of field "take" has an invalid value at "holder.nested.secrets[1].password": Expected a value of type "String!", found an integer that it cannot represent.',
    ]);
    expect(messages('{ take(matrix: [[1, "x"]]) }')).toEqual([
      'Argument "matrix" of field "take" has an invalid value at "matrix[0][1]": Expected a value of type "Int", found a string that it cannot represent.',
    ]);
    expect(messages('{ take(holder: { secrets: [{ password: "p", extra: 1 }] }) }')).toEqual([
      'Argument "holder" of field "take" has an invalid value at "holder.secrets[0]": Field "extra" is not defined by type "Secret".',
    ]);
    expect(messages('{ take(choice: { byName: "a", byId: "1" }) }')).toEqual([
      'Argument "choice" of field "take" has an invalid value: OneOf Input Object "Choice" must specify exactly one key.',
    ]);
    expect(messages('{ take(secret: [1]) }')).toEqual([
      'Argument "secret" of field "take" has an invalid value: Expected a value of type "Secret", found a list.',
    ]);
  });
});
