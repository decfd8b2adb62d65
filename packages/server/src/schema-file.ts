import 'reflect-metadata';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { buildAppSchema } from './app.js';

/** The committed API contract; the web console's typed operations are generated from it. */
export const schemaFilePath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../schema.graphql');

/** The schema as SDL, sorted so the file only changes when the API does. */
export async function printApiSchema(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await buildAppSchema()))}\n`;
}

// Run directly (`pnpm --filter @bam/server schema`) to rewrite schema.graphql after changing the API.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await fs.writeFile(schemaFilePath, await printApiSchema());
  console.log(`wrote ${schemaFilePath}`);
}
