import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_PAGE_SIZE } from '@bam/shared';
import { getIntrospectionQuery, parse, specifiedRules, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildAppSchema } from '../app.js';
import { operationValidationRules, parseOptions } from './operation-limits.js';
import { documentValidationRules } from './validated-documents.js';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Every `.graphql` file of the console, as one document (operations need the fragments of other files). */
async function consoleOperations(): Promise<string> {
  const folder = path.join(repositoryRoot, 'packages/web/src');
  const files = (await fs.readdir(folder, { recursive: true })).filter((file) => file.endsWith('.graphql'));
  return (await Promise.all(files.map((file) => fs.readFile(path.join(folder, file), 'utf8')))).join('\n');
}

/** The GraphQL examples of the README. */
async function readmeExamples(): Promise<string[]> {
  const readme = await fs.readFile(path.join(repositoryRoot, 'README.md'), 'utf8');
  return [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

describe('operation limits', () => {
  it('let every operation of the console, the README and the playground through', async () => {
    const schema = await buildAppSchema();
    const readme = await readmeExamples();
    const largestPage = readme
      .map((example) => example.replace('first: 10,', `first: ${MAX_PAGE_SIZE},`))
      .filter((example) => !readme.includes(example));
    expect(largestPage).toHaveLength(1);
    const documents = [
      await consoleOperations(),
      ...readme,
      ...largestPage,
      getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }),
    ];
    for (const source of documents) {
      const errors = validate(schema, parse(source, parseOptions), [...specifiedRules, ...operationValidationRules]);
      expect(errors.map((error) => error.message)).toEqual([]);
    }
  });
});

describe('the cost estimate', () => {
  const errorsOf = async (source: string) =>
    validate(await buildAppSchema(), parse(source, parseOptions), documentValidationRules).map((error) => [
      (error.originalError as { code?: string } | undefined)?.code,
      error.message,
    ]);

  it('is not reported for a document whose literal `first` is refused: a cost from an invalid number means nothing', async () => {
    expect(await errorsOf('{ organizations(first: 100000000000) { totalCount } }')).toEqual([
      [
        undefined,
        'Argument "first" of field "organizations" has an invalid value: Expected a value of type "Int", found an integer that it cannot represent.',
      ],
    ]);
  });

  it('refuses a valid document that asks for too much', async () => {
    expect(await errorsOf('{ organizations(first: 1000000) { totalCount } }')).toEqual([
      ['QUERY_TOO_COMPLEX', expect.stringMatching(/^The request asks for too much at once\..* Query Cost limit of 20000 exceeded/)],
    ]);
  });
});
