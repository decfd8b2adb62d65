/**
 * The PFX row, in its own process: Node 20's OpenSSL 3 reads legacy (3DES/RC2) PKCS#12 files only
 * with the legacy provider, which `--openssl-legacy-provider` loads at start-up. The project's reader
 * decrypts in its own code and needs no such flag. Prints the result as JSON.
 */
import { createSecureContext } from 'node:tls';
import { readPfx } from '@bam/server/dist/pfx/pfx-reader.js';
import { opensslPfx } from '@bam/server/test/support/pfx-fixtures.js';
import { alternate } from '../measure.js';

const [rounds, readsPerSample] = process.argv.slice(2).map(Number) as [number, number];

/** Mean ms per read over one sample of `readsPerSample` reads. */
function perRead(read: () => unknown): () => Promise<number> {
  return async () => {
    const started = performance.now();
    for (let index = 0; index < readsPerSample; index += 1) read();
    return (performance.now() - started) / readsPerSample;
  };
}

const results: Record<string, { project: number; baseline: number }> = {};
for (const legacy of [false, true]) {
  // OpenSSL's defaults: AES-256-CBC with PBKDF2 (2,048 iterations), or -legacy: 3DES and RC2-40.
  const { file, password } = opensslPfx({ legacy });
  const read = () => readPfx(file, password);
  const baseline = () => createSecureContext({ pfx: file, passphrase: password });
  read();
  baseline();
  const { project, baseline: baselineMs } = await alternate(rounds, perRead(read), perRead(baseline));
  results[legacy ? 'legacy' : 'aes'] = { project, baseline: baselineMs };
}
console.log(JSON.stringify(results));
