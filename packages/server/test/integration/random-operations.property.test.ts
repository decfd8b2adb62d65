import { isErrorCode } from '@bam/shared';
import fc from 'fast-check';
import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from 'graphql';
import { beforeAll, beforeEach, expect, it } from 'vitest';
import { buildAppSchema } from '../../src/app.js';
import { databaseSnapshot } from '../support/database-snapshot.js';
import { seedOrganization } from '../support/seed.js';
import { useTestServer } from '../support/test-server.js';

// Entra is a port that refuses connections: operations that call it fail fast, with their coded errors.
const server = useTestServer({
  environment: { ENTRA_AUTHORITY_HOST: 'https://127.0.0.1:9', ENTRA_GRAPH_BASE_URL: 'https://127.0.0.1:9', ENTRA_REQUEST_TIMEOUT_MS: '500' },
});
let schema: GraphQLSchema;

beforeAll(async () => {
  schema = await buildAppSchema();
});
beforeEach(async () => {
  await seedOrganization(server.database.dataSource, 'contoso.onmicrosoft.com', [
    { displayName: 'Fuzzed 1', certificate: { validFromDays: -1, validToDays: 200 } },
    { displayName: 'Fuzzed 2' },
  ]);
});

type Gen = fc.GeneratorValue;

/** Strings that have hurt servers: NUL, huge, quotes, control characters, look-alike ids. */
function randomString(g: Gen): string {
  return g(() =>
    fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('\u0000', 'a\u0000b', "'; DROP TABLE organizations; --", '%_\\', 'x'.repeat(5000)),
      fc.uuid(),
    ),
  );
}

function randomValue(g: Gen, type: GraphQLInputType, depth: number): string {
  if (g(fc.integer, { min: 0, max: 19 }) === 0) return g(fc.constantFrom, 'null', '"wrong type"', '42', '[1,2]', '{}'); // sometimes off-type
  if (isNonNullType(type)) return randomValue(g, type.ofType, depth);
  if (isListType(type)) {
    const length = g(fc.integer, { min: 0, max: 3 });
    return `[${Array.from({ length }, () => randomValue(g, type.ofType, depth + 1)).join(', ')}]`;
  }
  if (isEnumType(type)) return g(fc.constantFrom, ...type.getValues().map((value) => value.name), 'NOT_A_VALUE');
  if (isInputObjectType(type)) {
    if (depth > 3) return '{}';
    const fields = Object.values(type.getFields()).filter(() => g(fc.boolean));
    return `{ ${fields.map((field) => `${field.name}: ${randomValue(g, field.type, depth + 1)}`).join(', ')} }`;
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'Int':
        return String(g(() => fc.oneof(fc.integer({ min: -5, max: 5000 }), fc.constantFrom(2048, 4096, 2147483647, -2147483648))));
      case 'Boolean':
        return String(g(fc.boolean));
      case 'DateTimeISO':
        return JSON.stringify(
          g(() =>
            fc.oneof(
              fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
              fc.string({ maxLength: 10 }),
            ),
          ),
        );
      default:
        return JSON.stringify(randomString(g));
    }
  }
  return 'null';
}

function randomArguments(g: Gen, args: readonly GraphQLArgument[]): string {
  const chosen = args.filter((arg) => isNonNullType(arg.type) || g(fc.boolean));
  return chosen.length ? `(${chosen.map((arg) => `${arg.name}: ${randomValue(g, arg.type, 0)}`).join(', ')})` : '';
}

/** A selection on `type`, usually of real fields, at times of made-up ones, nested up to beyond the depth limit. */
function randomSelection(g: Gen, type: GraphQLObjectType, depth: number): string {
  const fields: GraphQLField<unknown, unknown>[] = Object.values(type.getFields());
  const count = g(fc.integer, { min: 1, max: 3 });
  const parts: string[] = [];
  for (let index = 0; index < count; index += 1) {
    if (g(fc.integer, { min: 0, max: 14 }) === 0) {
      parts.push(g(fc.constantFrom, 'doesNotExist', '__typename', '__schema { types { name } }'));
      continue;
    }
    // An index, not the field object: fast-check compares generated values, and fields are deeply recursive.
    const field = fields[g(fc.integer, { min: 0, max: fields.length - 1 })]!;
    const alias = g(fc.integer, { min: 0, max: 5 }) === 0 ? `a${index}: ` : '';
    const named = getNamedType(field.type);
    const nested = isObjectType(named) ? (depth > 9 ? ' { __typename }' : ` { ${randomSelection(g, named, depth + 1)} }`) : '';
    parts.push(`${alias}${field.name}${randomArguments(g, field.args)}${nested}`);
  }
  return parts.join(' ');
}

/**
 * The suite runs one fixed seed, so that CI is repeatable; `FUZZ_SEED=<n>` (or `FUZZ_SEED=random`) explores others.
 * Once in a CI run a request never answered (on PostgreSQL, seed unknown): a request still unanswered after
 * `ANSWER_WITHIN_MS` now fails with its document and the seed, instead of the whole test timing out mute.
 */
const seed = process.env.FUZZ_SEED === 'random' ? Date.now() : Number(process.env.FUZZ_SEED ?? 20_261_127);
const ANSWER_WITHIN_MS = 30_000;

async function answered<T>(request: Promise<T>, document: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const unanswered = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_WITHIN_MS} ms (seed ${seed}): ${document}`)), ANSWER_WITHIN_MS);
  });
  try {
    return await Promise.race([request, unanswered]);
  } finally {
    clearTimeout(timer);
  }
}

it('answers random operations with data or coded errors, never INTERNAL_ERROR, and changes nothing when it refuses', async () => {
  await fc.assert(
    fc.asyncProperty(fc.gen(), async (g) => {
      const mutation = g(fc.boolean);
      const root = mutation ? schema.getMutationType()! : schema.getQueryType()!;
      const document = `${mutation ? 'mutation' : 'query'} { ${randomSelection(g, root, 1)} }`;
      const before = await databaseSnapshot(server.database.dataSource);
      const response = await answered(server.graphql<Record<string, { errors?: unknown[] } | null>>(document), document);

      for (const error of response.errors ?? []) {
        expect(typeof error.extensions?.code, document).toBe('string');
        expect(error.extensions?.code, document).not.toBe('INTERNAL_ERROR');
        if (isErrorCode(error.extensions?.code)) expect(error.message.length, document).toBeLessThan(1000);
      }
      if (response.errors?.length && !response.data) expect(await databaseSnapshot(server.database.dataSource), document).toEqual(before);
    }),
    // No shrinking: each step would wait out an unanswered request again; the failing document and seed are reported as they are.
    { numRuns: 120, seed, endOnFailure: true },
  );
  // Still serving.
  expect((await server.graphql('{ __typename }')).data).toEqual({ __typename: 'Query' });
}, 180_000);
