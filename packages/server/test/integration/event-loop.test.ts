import { expect, it } from 'vitest';
import { opensslPfx } from '../support/pfx-fixtures.js';
import { useTestServer } from '../support/test-server.js';

const server = useTestServer();

/** Round trips of a trivial query, one after another, until `until` settles: how many were answered before it settled. */
async function answeredWhile(until: Promise<unknown>): Promise<number> {
  let settled = false;
  void until.finally(() => (settled = true));
  let answered = 0;
  while (!settled) {
    await server.graphql('{ limits { pfxMaxBytes } }');
    if (!settled) answered += 1;
  }
  return answered;
}

// No timing threshold (speed is the bench's business): a main thread busy with the import would answer
// nothing until it ends, whatever the machine's speed; one that hands it to a worker answers meanwhile.
it('keeps answering other requests while a 10,000-iteration PFX is imported', async () => {
  for (const legacy of [false, true]) {
    const pfx = opensslPfx({ iterations: 10_000, legacy });
    const importing = server.upload<{ importCertificate: { errors: unknown[] } }>(
      'mutation($input: ImportCertificateInput!) { importCertificate(input: $input) { errors { code } } }',
      { input: { file: null, password: pfx.password } },
      { path: 'variables.input.file', content: pfx.file },
    );
    const answered = await answeredWhile(importing);
    expect((await importing).data!.importCertificate.errors).toEqual([]);
    expect(answered, legacy ? 'legacy 3DES/RC2' : 'AES-256/PBKDF2').toBeGreaterThanOrEqual(2);
  }
});
