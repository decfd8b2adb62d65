// Global setup of the server-embedded project (runs once, before its test files).
import 'reflect-metadata';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { appPersistence } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { openDatabase } from '../../src/database/database.js';
import { createLogger } from '../../src/logging/logger.js';

/**
 * Creates the embedded database once and migrates it: a test server's own first start (initdb and every
 * migration) took ~5 s of its ~8, paid by each of the project's many servers. Tests of a first start give
 * their own data folder, and start from nothing.
 */
export default async function createEmbeddedDatabaseTemplate(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bam-embedded-template-'));
  const database = await openDatabase(loadConfig({ DATA_DIR: dataDir }), createLogger('silent'), appPersistence(), (error) => {
    throw error;
  });
  await database.close();
  project.provide('embeddedDatabaseTemplate', path.join(dataDir, 'postgres'));
  return () => fs.rm(dataDir, { recursive: true, force: true });
}
