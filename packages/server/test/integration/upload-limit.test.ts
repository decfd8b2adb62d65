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

  it('accepts a file of exactly PFX_MAX_BYTES and refuses one byte more', async () => {
    const importFile = async (size: number) => {
      const response = await server.upload<{ importCertificate: { errors: { code: string }[] } }>(
        'mutation($input: ImportCertificateInput!) { importCertificate(input: $input) { errors { code } } }',
        { input: { file: null, password: '' } },
        // Not a PFX: at the limit it reaches the PFX reader, which says so.
        { path: 'variables.input.file', content: Buffer.alloc(size, 0x41) },
      );
      return response.data!.importCertificate.errors.map((error) => error.code);
    };
    expect(await importFile(2048)).toEqual(['PFX_NOT_PKCS12']);
    expect(await importFile(2049)).toEqual(['PFX_TOO_LARGE']);
  });
});
