// @vitest-environment node
/// <reference types="node" />
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import { expect, it } from 'vitest';
import config from '../../codegen.js';

const webRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

it('generated GraphQL types match the committed schema and the operations (run `pnpm --filter @bam/web codegen` when this fails)', async () => {
  const outputs = await generate({ ...config, cwd: webRoot, silent: true, verbose: false }, false);
  expect(outputs.length).toBeGreaterThan(0);
  for (const output of outputs) {
    const committed = readFileSync(path.resolve(webRoot, output.filename), 'utf8');
    expect(committed, `${output.filename} is stale`).toBe(output.content);
  }
}, 60_000);
