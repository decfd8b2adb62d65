import { expect, it } from 'vitest';
import { opensslPfx } from '../support/pfx-fixtures.js';
import { useTestServer } from '../support/test-server.js';

const server = useTestServer();

/** Round trips of a trivial query, one after another, until `until` settles; their latencies in ms. */
async function pingWhile(until: Promise<unknown>): Promise<number[]> {
  let settled = false;
  void until.finally(() => (settled = true));
  const latencies: number[] = [];
  do {
    const started = performance.now();
    await server.graphql('{ limits { pfxMaxBytes } }');
    latencies.push(performance.now() - started);
  } while (!settled || latencies.length < 5);
  return latencies;
}

it('keeps answering other requests while a 10,000-iteration PFX is imported', async () => {
  const baseline = await pingWhile(new Promise((resolve) => setTimeout(resolve, 300)));
  const results: string[] = [];
  for (const legacy of [false, true]) {
    const pfx = opensslPfx({ iterations: 10_000, legacy });
    const importing = server.upload<{ importCertificate: { errors: unknown[] } }>(
      'mutation($input: ImportCertificateInput!) { importCertificate(input: $input) { errors { code } } }',
      { input: { file: null, password: pfx.password } },
      { path: 'variables.input.file', content: pfx.file },
    );
    const during = await pingWhile(importing);
    expect((await importing).data!.importCertificate.errors).toEqual([]);
    const worst = Math.max(...during);
    results.push(`${legacy ? 'legacy 3DES/RC2' : 'AES-256/PBKDF2'}: worst ${worst.toFixed(1)} ms over ${during.length} queries`);
    // A generous bound: a blocked event loop would stall these queries for the whole import.
    expect(worst).toBeLessThan(Math.max(...baseline) + 150);
  }
  console.log(`simple-query latency while importing (baseline worst ${Math.max(...baseline).toFixed(1)} ms): ${results.join('; ')}`);
});
