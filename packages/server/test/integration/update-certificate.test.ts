import { randomBytes } from 'node:crypto';
import { errorMessages } from '@bam/shared';
import { beforeEach, describe, expect, it } from 'vitest';
import { Certificate } from '../../src/certificates/certificate.entity.js';
import { databaseSnapshot } from '../support/database-snapshot.js';
import {
  chainPfx,
  ecPfx,
  emptyFile,
  expiredPfx,
  forgePfx,
  notYetValidPfx,
  opensslPfx,
  type PfxFixture,
  pemFile,
  randomBytesFile,
  rsa1024Pfx,
  rsaCertificate,
  truncatedFile,
} from '../support/pfx-fixtures.js';
import { type SeededOrganization, seedContosoAndFabrikam } from '../support/seed.js';
import { useTestServer } from '../support/test-server.js';

const server = useTestServer();
let contoso: SeededOrganization;
let fabrikam: SeededOrganization;

beforeEach(async () => {
  ({ contoso, fabrikam } = await seedContosoAndFabrikam(server.database.dataSource, {
    contoso: 3,
    contosoCertificate: { validFromDays: -10, validToDays: 20 },
  }));
});

const updateMutation = /* GraphQL */ `
  mutation Update($input: UpdateCertificateInput!) {
    updateCertificate(input: $input) {
      applications {
        applicationId
        certificate {
          thumbprint
          store
          hasPrivateKey
          keyExportable
          usable
        }
        certificateHistory {
          thumbprint
          previousThumbprint
          source
          changedBy
          changedAt
          certificate {
            id
          }
        }
      }
      certificate {
        id
        thumbprint
        notAfter
        keySize
      }
      errors {
        code
        message
        ids
      }
    }
  }
`;

interface UpdateData {
  updateCertificate: {
    applications: {
      applicationId: string;
      certificate: { thumbprint: string; store: string; hasPrivateKey: boolean; keyExportable: boolean; usable: boolean };
      certificateHistory: { thumbprint: string; previousThumbprint: string | null; source: string; changedBy: string }[];
    }[];
    certificate: { id: string; thumbprint: string } | null;
    errors: { code: string; message: string; ids: string[] }[];
  };
}

type Target = { applicationId: string; expectedThumbprint?: string | null };

function updateFromPfx(targets: Target[], pfx: { file: Buffer; password?: string | null }, organizationId = contoso.organization.id) {
  return server.upload<UpdateData>(
    updateMutation,
    { input: { organizationId, applications: targets, pfx: { file: null, password: pfx.password } } },
    { path: 'variables.input.pfx.file', content: pfx.file },
  );
}

function updateFromStore(targets: Target[], storeCertificateId: string, organizationId = contoso.organization.id) {
  return server.graphql<UpdateData>(updateMutation, { input: { organizationId, applications: targets, storeCertificateId } });
}

const target = (index: number, expectedThumbprint?: string | null): Target => ({
  applicationId: contoso.applications[index]!.applicationId,
  ...(expectedThumbprint !== undefined && { expectedThumbprint }),
});

async function importIntoStore(pfx: PfxFixture, keyExportable = true): Promise<string> {
  const response = await server.upload<{ importCertificate: { certificate: { id: string } | null; errors: { code: string }[] } }>(
    'mutation($input: ImportCertificateInput!) { importCertificate(input: $input) { certificate { id } errors { code } } }',
    { input: { file: null, password: pfx.password, keyExportable } },
    { path: 'variables.input.file', content: pfx.file },
  );
  expect(response.data!.importCertificate.errors).toEqual([]);
  return response.data!.importCertificate.certificate!.id;
}

describe('updateCertificate from a PFX file', () => {
  const readable: [string, () => PfxFixture][] = [
    ['an OpenSSL 3 file (AES-256, PBKDF2, SHA-256 MAC)', () => opensslPfx()],
    ['a legacy file (3DES, RC2-40, SHA-1 MAC)', () => opensslPfx({ legacy: true })],
    ['a file with no password', () => opensslPfx({ password: '' })],
    ['a file with a 200,000-iteration key derivation', () => opensslPfx({ iterations: 200_000 })],
    ['a file with a non-ASCII password', () => opensslPfx({ password: 'pässwörd-密码-🔑' })],
    ['a file made by node-forge', () => forgePfx()],
  ];
  for (const [name, make] of readable) {
    it(`sets the certificate of ${name}, stores it with its key and records the change`, async () => {
      const pfx = make();
      const previous = (await server.database.dataSource.getRepository(Certificate).findOneByOrFail({ id: contoso.applications[0]!.certificateId! }))
        .thumbprint;
      const { data, errors } = await updateFromPfx([target(0)], pfx);
      expect(errors).toBeUndefined();
      expect(data!.updateCertificate.errors).toEqual([]);
      const [application] = data!.updateCertificate.applications;
      expect(application!.certificate).toEqual({
        thumbprint: pfx.thumbprint,
        store: 'PERSONAL',
        hasPrivateKey: true,
        keyExportable: true,
        usable: true,
      });
      expect(application!.certificateHistory).toMatchObject([
        { thumbprint: pfx.thumbprint, previousThumbprint: previous, source: 'PFX_FILE', changedBy: expect.stringMatching(/^token:[0-9a-f-]{36}$/) },
      ]);
      const snapshot = await databaseSnapshot(server.database.dataSource);
      expect(snapshot.store).toContainEqual({ thumbprint: pfx.thumbprint, store: 'PERSONAL', hasKey: true, exportable: true });
    });
  }

  it('puts the chain of the file into the Intermediate and Trusted Root stores', async () => {
    const pfx = chainPfx();
    const { data } = await updateFromPfx([target(1, null)], pfx);
    expect(data!.updateCertificate.errors).toEqual([]);
    const store = (await databaseSnapshot(server.database.dataSource)).store;
    const [intermediate, root] = pfx.chainThumbprints;
    expect(store).toContainEqual({ thumbprint: intermediate, store: 'INTERMEDIATE', hasKey: false, exportable: false });
    expect(store).toContainEqual({ thumbprint: root, store: 'ROOT', hasKey: false, exportable: false });
  });

  it('gives several applications the same certificate in one call (bulk rotation), each with its history', async () => {
    const pfx = opensslPfx();
    const { data } = await updateFromPfx([target(0), target(1), target(2)], pfx);
    expect(data!.updateCertificate.errors).toEqual([]);
    expect(data!.updateCertificate.applications.map((application) => application.certificate.thumbprint)).toEqual([
      pfx.thumbprint,
      pfx.thumbprint,
      pfx.thumbprint,
    ]);
    expect((await databaseSnapshot(server.database.dataSource)).historyRows).toBe(3);
  });

  it('reuses the store entry when the same file is uploaded again for another application', async () => {
    const pfx = opensslPfx();
    await updateFromPfx([target(1)], pfx);
    const before = await databaseSnapshot(server.database.dataSource);
    const { data } = await updateFromPfx([target(2)], pfx);
    expect(data!.updateCertificate.errors).toEqual([]);
    expect((await databaseSnapshot(server.database.dataSource)).store).toEqual(before.store);
  });

  const refused: [string, () => { file: Buffer; password?: string | null }, string][] = [
    ['a wrong password', () => ({ ...opensslPfx(), password: 'not-the-password' }), 'PFX_WRONG_PASSWORD'],
    ['no password for a protected file', () => ({ ...opensslPfx(), password: '' }), 'PFX_PASSWORD_REQUIRED'],
    ['a file without private key', () => opensslPfx({ noKey: true }), 'CERTIFICATE_NO_PRIVATE_KEY'],
    ['a key that is not the certificate’s', () => forgePfx({ keyMismatch: true }), 'CERTIFICATE_KEY_MISMATCH'],
    ['an EC key', () => ecPfx(), 'CERTIFICATE_KEY_NOT_RSA'],
    ['a 1024-bit RSA key', () => rsa1024Pfx(), 'CERTIFICATE_KEY_TOO_SMALL'],
    ['an expired certificate', () => expiredPfx(), 'CERTIFICATE_EXPIRED'],
    ['a certificate not valid yet', () => notYetValidPfx(), 'CERTIFICATE_NOT_YET_VALID'],
    ['random bytes', () => ({ file: randomBytesFile(), password: 'x' }), 'PFX_NOT_PKCS12'],
    ['a truncated file', () => ({ ...opensslPfx(), file: truncatedFile(opensslPfx().file) }), 'PFX_TRUNCATED'],
    ['a PEM file', () => ({ file: pemFile(), password: '' }), 'PFX_IS_PEM'],
    ['an empty file', () => ({ file: emptyFile(), password: '' }), 'PFX_EMPTY'],
    ['a file over the 1 MiB limit', () => ({ file: randomBytes(1024 * 1024 + 1), password: '' }), 'PFX_TOO_LARGE'],
  ];
  for (const [name, make, code] of refused) {
    it(`refuses ${name} with ${code} and changes nothing`, async () => {
      const before = await databaseSnapshot(server.database.dataSource);
      const { data, errors } = await updateFromPfx([target(0), target(1)], make());
      expect(errors).toBeUndefined();
      expect(data!.updateCertificate).toMatchObject({ applications: [], certificate: null });
      expect(data!.updateCertificate.errors.map((error) => error.code)).toEqual([code]);
      expect(data!.updateCertificate.errors[0]!.message.length).toBeGreaterThan(15);
      expect(await databaseSnapshot(server.database.dataSource)).toEqual(before);
    });
  }

  it('refuses an operationId that is not a UUID with OPERATION_ID_INVALID and changes nothing', async () => {
    const before = await databaseSnapshot(server.database.dataSource);
    const response = await server.graphql<UpdateData>(updateMutation, {
      input: {
        organizationId: contoso.organization.id,
        applications: [{ applicationId: contoso.applications[1]!.applicationId }],
        storeCertificateId: contoso.applications[0]!.certificateId,
        operationId: 'not-a-uuid',
      },
    });
    expect(response.errors).toBeUndefined();
    expect(response.data!.updateCertificate.errors).toEqual([
      { code: 'OPERATION_ID_INVALID', message: errorMessages.OPERATION_ID_INVALID, ids: ['not-a-uuid'] },
    ]);
    expect(await databaseSnapshot(server.database.dataSource)).toEqual(before);
  });

  it('keeps Apollo’s CSRF prevention on: an upload without the preflight header is refused and changes nothing', async () => {
    const before = await databaseSnapshot(server.database.dataSource);
    const pfx = opensslPfx();
    const response = await server.upload(
      updateMutation,
      { input: { organizationId: contoso.organization.id, applications: [target(0)], pfx: { file: null, password: pfx.password } } },
      { path: 'variables.input.pfx.file', content: pfx.file },
      {},
    );
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect(await databaseSnapshot(server.database.dataSource)).toEqual(before);
  });

  it('accepts one file per request: a second file makes the request invalid', async () => {
    const pfx = opensslPfx();
    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({
        query: updateMutation,
        variables: { input: { organizationId: contoso.organization.id, applications: [target(0)], pfx: { file: null, password: pfx.password } } },
      }),
    );
    form.append('map', JSON.stringify({ 0: ['variables.input.pfx.file'], 1: ['variables.input.pfx.password'] }));
    form.append('0', new Blob([pfx.file]), 'a.pfx');
    form.append('1', new Blob([pfx.file]), 'b.pfx');
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${server.adminToken}` },
      body: form,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('UPLOAD_INVALID');
  });
  // busboy reports a body that ends before its closing boundary on the file's stream too; unheard, that
  // error ended the server process.
  it('answers an upload cut off before its closing boundary with UPLOAD_INVALID, changing nothing, and keeps serving', async () => {
    const before = await databaseSnapshot(server.database.dataSource);
    const pfx = opensslPfx();
    const boundary = 'cut-off-upload';
    const operations = JSON.stringify({
      query: updateMutation,
      variables: { input: { organizationId: contoso.organization.id, applications: [target(0)], pfx: { file: null, password: pfx.password } } },
    });
    const part = (headers: string, content: string | Buffer) => [
      Buffer.from(`--${boundary}\r\n${headers}\r\n\r\n`),
      Buffer.from(content),
      Buffer.from('\r\n'),
    ];
    const body = Buffer.concat([
      ...part('Content-Disposition: form-data; name="operations"', operations),
      ...part('Content-Disposition: form-data; name="map"', JSON.stringify({ 0: ['variables.input.pfx.file'] })),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="a.pfx"\r\n\r\n`),
      pfx.file.subarray(0, 500),
    ]);
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'apollo-require-preflight': 'true',
        authorization: `Bearer ${server.adminToken}`,
      },
      body,
    });
    const { data } = (await response.json()) as { data: { updateCertificate: { errors: { code: string }[] } } };
    expect(data.updateCertificate.errors.map((error) => error.code)).toEqual(['UPLOAD_INVALID']);
    expect(await databaseSnapshot(server.database.dataSource)).toEqual(before);
    expect((await fetch(new URL('/healthz', server.graphqlUrl))).status).toBe(200);
  });
});

describe('updateCertificate from the certificate store', () => {
  it('sets a usable store certificate on an application', async () => {
    const pfx = opensslPfx();
    const id = await importIntoStore(pfx);
    const { data } = await updateFromStore([target(2, null)], id);
    expect(data!.updateCertificate.errors).toEqual([]);
    expect(data!.updateCertificate.certificate).toMatchObject({ id, thumbprint: pfx.thumbprint });
    expect(data!.updateCertificate.applications[0]!.certificateHistory).toMatchObject([{ source: 'STORE', previousThumbprint: null }]);
  });

  it('refuses a store certificate whose key is not exportable', async () => {
    const id = await importIntoStore(opensslPfx(), false);
    const { data } = await updateFromStore([target(1)], id);
    expect(data!.updateCertificate.errors.map((error) => error.code)).toEqual(['CERTIFICATE_KEY_NOT_EXPORTABLE']);
  });

  it('refuses chain certificates, certificates without key, expired ones and unknown ids — changing nothing', async () => {
    const chain = chainPfx();
    await importIntoStore(chain);
    const intermediate = await server.database.dataSource.getRepository(Certificate).findOneByOrFail({ thumbprint: chain.chainThumbprints[0]! });
    const noKey = await importIntoStore(opensslPfx({ noKey: true }));
    const expired = await importIntoStore(expiredPfx());
    const before = await databaseSnapshot(server.database.dataSource);
    const cases: [string, string][] = [
      [intermediate.id, 'CERTIFICATE_NOT_IN_PERSONAL_STORE'],
      [noKey, 'CERTIFICATE_NO_PRIVATE_KEY'],
      [expired, 'CERTIFICATE_EXPIRED'],
      ['6f9619ff-8b86-4d11-b42d-00c04fc964ff', 'STORE_CERTIFICATE_NOT_FOUND'],
      ['not-an-id', 'STORE_CERTIFICATE_NOT_FOUND'],
    ];
    for (const [id, code] of cases) {
      const { data } = await updateFromStore([target(1), target(2)], id);
      expect(data!.updateCertificate.errors.map((error) => error.code)).toEqual([code]);
    }
    expect(await databaseSnapshot(server.database.dataSource)).toEqual(before);
  });
});

describe('updateCertificate input rules', () => {
  it('refuses a thumbprint the client saw that is no longer current (CERTIFICATE_CONFLICT), changing nothing', async () => {
    const id = await importIntoStore(opensslPfx());
    const current = (await server.database.dataSource.getRepository(Certificate).findOneByOrFail({ id: contoso.applications[0]!.certificateId! }))
      .thumbprint;
    const before = await databaseSnapshot(server.database.dataSource);

    const stale = await updateFromStore([target(0, 'AA'.repeat(20)), target(1, null)], id);
    expect(stale.data!.updateCertificate.errors).toMatchObject([{ code: 'CERTIFICATE_CONFLICT', ids: [contoso.applications[0]!.applicationId] }]);
    const sawNothing = await updateFromStore([target(0, null)], id);
    expect(sawNothing.data!.updateCertificate.errors.map((error) => error.code)).toEqual(['CERTIFICATE_CONFLICT']);
    expect(await databaseSnapshot(server.database.dataSource)).toEqual(before);

    // Thumbprints compare as Windows shows them too: lower case, with spaces.
    const spaced = current.toLowerCase().match(/../g)!.join(' ');
    const fresh = await updateFromStore([target(0, spaced), target(1, null)], id);
    expect(fresh.data!.updateCertificate.errors).toEqual([]);
  });

  it('checks no thumbprint given a variable the request does not send, as when the field is left out', async () => {
    const id = await importIntoStore(opensslPfx());
    const { data, errors } = await server.graphql<UpdateData>(
      `mutation($organizationId: ID!, $applicationId: ID!, $id: ID!, $seen: String) { updateCertificate(input: {
        organizationId: $organizationId, storeCertificateId: $id, applications: [{ applicationId: $applicationId, expectedThumbprint: $seen }] }) {
        errors { code } } }`,
      { organizationId: contoso.organization.id, applicationId: contoso.applications[0]!.applicationId, id },
    );
    expect(errors).toBeUndefined();
    expect(data!.updateCertificate.errors).toEqual([]);
  });

  it('reports a stale thumbprint before an unknown store certificate', async () => {
    const { data } = await updateFromStore([target(0, null)], '6f9619ff-8b86-4d11-b42d-00c04fc964ff');
    expect(data!.updateCertificate.errors).toMatchObject([{ code: 'CERTIFICATE_CONFLICT', ids: [contoso.applications[0]!.applicationId] }]);
  });

  it('lets only one of two concurrent updates that saw the same certificate succeed', async () => {
    const [first, second] = [await importIntoStore(opensslPfx()), await importIntoStore(opensslPfx())];
    const results = await Promise.all([updateFromStore([target(1, null)], first), updateFromStore([target(1, null)], second)]);
    const codes = results.map((result) => result.data!.updateCertificate.errors[0]?.code ?? 'updated').sort();
    expect(codes).toEqual(['CERTIFICATE_CONFLICT', 'updated']);
    expect((await databaseSnapshot(server.database.dataSource)).historyRows).toBe(1);
  });

  it('needs exactly one source, and valid applications of the organization', async () => {
    const pfx = opensslPfx();
    const id = await importIntoStore(pfx);
    const before = await databaseSnapshot(server.database.dataSource);
    const neither = await server.graphql<UpdateData>(updateMutation, {
      input: { organizationId: contoso.organization.id, applications: [target(0)] },
    });
    expect(neither.data!.updateCertificate.errors.map((error) => error.code)).toEqual(['CERTIFICATE_SOURCE_INVALID']);
    const both = await server.upload<UpdateData>(
      updateMutation,
      {
        input: {
          organizationId: contoso.organization.id,
          applications: [target(0)],
          storeCertificateId: id,
          pfx: { file: null, password: pfx.password },
        },
      },
      { path: 'variables.input.pfx.file', content: pfx.file },
    );
    expect(both.data!.updateCertificate.errors.map((error) => error.code)).toEqual(['CERTIFICATE_SOURCE_INVALID']);
    const cases: [Target[], string, string][] = [
      [[], contoso.organization.id, 'APPLICATION_SELECTION_EMPTY'],
      [[target(0), target(0)], contoso.organization.id, 'APPLICATION_SELECTION_DUPLICATE'],
      [[target(0), { applicationId: fabrikam.applications[0]!.applicationId }], contoso.organization.id, 'APPLICATION_IN_OTHER_ORGANIZATION'],
      [[{ applicationId: '00000000-0000-4000-8000-000000000000' }], contoso.organization.id, 'APPLICATION_NOT_FOUND'],
      [[target(0)], fabrikam.applications[0]!.applicationId, 'ORGANIZATION_NOT_FOUND'],
    ];
    for (const [targets, organizationId, code] of cases) {
      const { data } = await updateFromStore(targets, id, organizationId);
      expect(data!.updateCertificate.errors.map((error) => error.code)).toEqual([code]);
    }
    expect(await databaseSnapshot(server.database.dataSource)).toEqual(before);
  });

  it('does not let a PFX import slip into the store when the update fails later', async () => {
    const before = await databaseSnapshot(server.database.dataSource);
    const pfx = opensslPfx({ certificate: rsaCertificate({ commonName: 'Never stored' }) });
    const { data } = await updateFromPfx([target(0, 'BB'.repeat(20))], pfx);
    expect(data!.updateCertificate.errors.map((error) => error.code)).toEqual(['CERTIFICATE_CONFLICT']);
    expect(await databaseSnapshot(server.database.dataSource)).toEqual(before);
  });
});
