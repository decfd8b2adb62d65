import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const eslint = new ESLint({ cwd: repositoryRoot });

/**
 * The layer rule's verdict on one import, from a file that does not exist (the text is linted as if it
 * were there) of a module that does: the messages of `boundaries/dependencies`.
 */
async function layerViolations(file: string, imported: string): Promise<string[]> {
  const [result] = await eslint.lintText(`import * as imported from '${imported}';\nexport const used = imported;\n`, {
    filePath: path.join(repositoryRoot, 'packages/server/src', file),
  });
  return result!.messages.filter((message) => message.ruleId === 'boundaries/dependencies').map((message) => message.message);
}

/**
 * The server's layers (eslint.config.js) are only worth what the lint enforces: a plugin upgrade or a
 * change of its settings can turn the rule into one that allows everything without a word (the
 * plugin's suggested replacement of the deprecated `mode: 'full'` did).
 */
describe("the server's layer rule", () => {
  it.each([
    ['an entity', 'applications/probe.entity.ts', './backup-application.service.js'],
    ['a service', 'applications/probe.ts', './remove-applications.mutation.js'],
    ['a loader', 'applications/probe.loaders.ts', './backup-application.service.js'],
    ['the PKCS#12 reader', 'pfx/probe.ts', '../applications/backup-application.service.js'],
    ['the GraphQL toolkit', 'graphql/probe.ts', '../applications/backup-application.service.js'],
    // A toolkit file with a domain role's suffix is the toolkit's: the first category that matches decides.
    ['a type of the GraphQL toolkit', 'graphql/probe.type.ts', '../applications/backup-application.service.js'],
    ['the common toolkit', 'common/probe.ts', '../database/database.js'],
  ])('refuses %s an import from a layer above it', async (_layer, file, imported) => {
    expect(await layerViolations(file, imported)).toHaveLength(1);
  });

  it.each([
    ['a resolver', 'applications/probe.resolver.ts', './backup-application.service.js'],
    ['a service', 'applications/probe.ts', './backup-application.entity.js'],
    ['a module', 'applications/probe.module.ts', './remove-applications.mutation.js'],
    ['an entity', 'applications/probe.entity.ts', '../common/actor.js'],
  ])('lets %s import from a layer below it', async (_layer, file, imported) => {
    expect(await layerViolations(file, imported)).toEqual([]);
  });
});
