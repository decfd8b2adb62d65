import { describe, expect, it } from 'vitest';
import { opensslPfx } from '../support/pfx-fixtures.js';
import { useTestServer, testDatabaseKind } from '../support/test-server.js';

describe.runIf(testDatabaseKind === 'postgres')('the PFX size limit', () => {
  const server = useTestServer({ environment: { PFX_MAX_BYTES: '2048' } });

  it('follows PFX_MAX_BYTES and is announced to clients', async () => {
    const { data } = await server.graphql<{ limits: { pfxMaxBytes: number } }>('{ limits { pfxMaxBytes } }');
    expect(data!.limits.pfxMaxBytes).toBe(2048);
    const pfx = opensslPfx();
    expect(pfx.file.length).toBeGreaterThan(2048);
    const response = await server.upload<{ importCertificate: { errors: { code: string }[] } }>(
      'mutation($input: ImportCertificateInput!) { importCertificate(input: $input) { errors { code } } }',
      { input: { file: null, password: pfx.password } },
      { path: 'variables.input.file', content: pfx.file },
    );
    expect(response.data!.importCertificate.errors.map((error) => error.code)).toEqual(['PFX_TOO_LARGE']);
  });
});
