import { X509Certificate } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { Role } from '../../src/common/actor.js';
import { databaseSnapshot } from '../support/database-snapshot.js';
import {
  ecPfx,
  expiredPfx,
  forgePfx,
  notYetValidPfx,
  opensslPfx,
  opensslUtf8Certificate,
  type PfxFixture,
  randomBytesFile,
  rsa1024Pfx,
  rsaCertificate,
  truncatedFile,
} from '../support/pfx-fixtures.js';
import { type SeededOrganization, seedOrganization } from '../support/seed.js';
import { type Credential, testDatabaseKind, useTestServer } from '../support/test-server.js';

const server = useTestServer();
let contoso: SeededOrganization;

beforeEach(async () => {
  contoso = await seedOrganization(server.database.dataSource, 'contoso.onmicrosoft.com', [
    { displayName: 'Contoso 1' },
    { displayName: 'Contoso 2' },
  ]);
});

const inspectQuery = /* GraphQL */ `
  query Inspect($input: InspectPfxInput!) {
    inspectPfx(input: $input) {
      certificate {
        subject
        issuer
        issuedTo
        serialNumber
        thumbprint
        thumbprintSha256
        notBefore
        notAfter
        status
        keyAlgorithm
        keySize
        hasPrivateKey
        chainLength
      }
      storeCertificate {
        id
        usedBy {
          applicationId
        }
      }
      problems {
        code
        message
      }
    }
  }
`;

interface Inspection {
  certificate: {
    subject: string;
    thumbprint: string;
    thumbprintSha256: string;
    serialNumber: string;
    notBefore: string;
    notAfter: string;
    status: string;
    keyAlgorithm: string;
    keySize: number;
    hasPrivateKey: boolean;
  } | null;
  storeCertificate: { id: string; usedBy: { applicationId: string }[] } | null;
  problems: { code: string; message: string }[];
}

function inspect(pfx: { file: Buffer; password?: string | null }, credential?: Credential) {
  return server.upload<{ inspectPfx: Inspection }>(
    inspectQuery,
    { input: { file: null, password: pfx.password } },
    { path: 'variables.input.file', content: pfx.file },
    undefined,
    credential,
  );
}

function updateFromPfx(pfx: { file: Buffer; password?: string | null }) {
  return server.upload<{ updateCertificate: { errors: { code: string }[] } }>(
    'mutation($input: UpdateCertificateInput!) { updateCertificate(input: $input) { errors { code } } }',
    {
      input: {
        organizationId: contoso.organization.id,
        applications: [{ applicationId: contoso.applications[1]!.applicationId }],
        pfx: { file: null, password: pfx.password },
      },
    },
    { path: 'variables.input.pfx.file', content: pfx.file },
  );
}

describe('inspectPfx', () => {
  it('answers the certificate of a good file with no problem, and stores nothing', async () => {
    const certificate = rsaCertificate({ commonName: 'Contoso Backup 2027' });
    const pfx = opensslPfx({ certificate, password: 'Inspect-Me-1' });
    const before = await databaseSnapshot(server.database.dataSource);
    const { data, errors } = await inspect(pfx);
    expect(errors).toBeUndefined();
    const x509 = new X509Certificate(certificate.der);
    expect(data!.inspectPfx).toEqual({
      certificate: {
        subject: 'CN=Contoso Backup 2027',
        issuer: 'CN=Contoso Backup 2027',
        issuedTo: 'Contoso Backup 2027',
        serialNumber: x509.serialNumber.toUpperCase(),
        thumbprint: pfx.thumbprint,
        thumbprintSha256: x509.fingerprint256.replaceAll(':', ''),
        notBefore: new Date(x509.validFrom).toISOString(),
        notAfter: new Date(x509.validTo).toISOString(),
        status: 'VALID',
        keyAlgorithm: 'RSA',
        keySize: 2048,
        hasPrivateKey: true,
        chainLength: 0,
      },
      storeCertificate: null,
      problems: [],
    });
    expect(await databaseSnapshot(server.database.dataSource)).toEqual(before);
    expect(server.logs.join('\n')).not.toContain('Inspect-Me-1');
  });

  it('reads a subject OpenSSL wrote as UTF8String beyond ASCII as it is', async () => {
    const certificate = opensslUtf8Certificate('/O=Zürich AG/CN=バックアップ 😀');
    const { data, errors } = await inspect(opensslPfx({ certificate }));
    expect(errors).toBeUndefined();
    expect(data!.inspectPfx.certificate).toMatchObject({
      subject: 'CN=バックアップ 😀, O=Zürich AG',
      issuer: 'CN=バックアップ 😀, O=Zürich AG',
      issuedTo: 'バックアップ 😀',
    });
    expect(data!.inspectPfx.problems).toEqual([]);
  });

  it('reads legacy files (3DES, RC2-40, SHA-1 MAC) and node-forge files alike', async () => {
    for (const pfx of [opensslPfx({ legacy: true }), forgePfx()]) {
      const { data } = await inspect(pfx);
      expect(data!.inspectPfx.problems).toEqual([]);
      expect(data!.inspectPfx.certificate).toMatchObject({ thumbprint: pfx.thumbprint, keyAlgorithm: 'RSA', hasPrivateKey: true });
    }
  });

  it('answers a wrong password as a coded problem, with no certificate and no trace of the password', async () => {
    const pfx = opensslPfx({ password: 'Right-Password-1' });
    const before = await databaseSnapshot(server.database.dataSource);
    const response = await inspect({ file: pfx.file, password: 'Wrong-Password-Sent-9' });
    expect(response.errors).toBeUndefined();
    expect(response.data!.inspectPfx).toEqual({
      certificate: null,
      storeCertificate: null,
      problems: [{ code: 'PFX_WRONG_PASSWORD', message: 'The password is not correct for this PFX file. Check it and try again.' }],
    });
    expect(JSON.stringify(response)).not.toContain('Wrong-Password-Sent-9');
    expect(server.logs.join('\n')).not.toContain('Wrong-Password-Sent-9');
    expect(await databaseSnapshot(server.database.dataSource)).toEqual(before);
  });

  // Each file updateCertificate refuses: the inspection names the same code first, and neither stores anything.
  const refused: [string, () => PfxFixture | { file: Buffer; password: string }, string[], Partial<NonNullable<Inspection['certificate']>> | null][] =
    [
      ['an expired certificate', () => expiredPfx(), ['CERTIFICATE_EXPIRED'], { status: 'EXPIRED' }],
      ['a certificate not valid yet', () => notYetValidPfx(), ['CERTIFICATE_NOT_YET_VALID'], { status: 'NOT_YET_VALID' }],
      ['a 1024-bit RSA key', () => rsa1024Pfx(), ['CERTIFICATE_KEY_TOO_SMALL'], { keyAlgorithm: 'RSA', keySize: 1024 }],
      ['an EC key', () => ecPfx(), ['CERTIFICATE_KEY_NOT_RSA'], { keyAlgorithm: 'EC', keySize: 256 }],
      [
        'an expired 1024-bit certificate',
        () =>
          opensslPfx({
            certificate: rsaCertificate({
              keyBits: 1024,
              notAfter: new Date(Date.now() - 86_400_000),
              notBefore: new Date(Date.now() - 2 * 86_400_000),
            }),
          }),
        ['CERTIFICATE_KEY_TOO_SMALL', 'CERTIFICATE_EXPIRED'],
        { status: 'EXPIRED', keySize: 1024 },
      ],
      ['a certificate without its key', () => opensslPfx({ noKey: true }), ['CERTIFICATE_NO_PRIVATE_KEY'], { hasPrivateKey: false }],
      ['two private keys', () => forgePfx({ multipleKeys: true }), ['PFX_MULTIPLE_KEYS'], null],
      ['a truncated file', () => ({ file: truncatedFile(opensslPfx().file), password: 'Test-Password-1' }), ['PFX_TRUNCATED'], null],
      ['random bytes', () => ({ file: randomBytesFile(), password: '' }), ['PFX_NOT_PKCS12'], null],
    ];
  for (const [name, make, problems, certificate] of refused) {
    it(`names the problem of ${name} as updateCertificate reports it`, async () => {
      const pfx = make();
      const before = await databaseSnapshot(server.database.dataSource);
      const { data, errors } = await inspect(pfx);
      expect(errors).toBeUndefined();
      expect(data!.inspectPfx.problems.map((problem) => problem.code)).toEqual(problems);
      if (certificate) expect(data!.inspectPfx.certificate).toMatchObject(certificate);
      else expect(data!.inspectPfx.certificate).toBeNull();

      const update = await updateFromPfx(pfx);
      expect(update.data!.updateCertificate.errors.map((error) => error.code)).toEqual([problems[0]]);
      expect(await databaseSnapshot(server.database.dataSource)).toEqual(before);
    });
  }

  it('says when the certificate is already in the store and which applications use it', async () => {
    const pfx = opensslPfx();
    expect((await updateFromPfx(pfx)).data!.updateCertificate.errors).toEqual([]);
    const { data } = await inspect(pfx);
    expect(data!.inspectPfx.problems).toEqual([]);
    expect(data!.inspectPfx.storeCertificate?.usedBy).toEqual([{ applicationId: contoso.applications[1]!.applicationId }]);
  });

  it('is for those who may update certificates, and reads one file per request', async () => {
    const pfx = opensslPfx();
    const viewer = await inspect(pfx, await server.tokenFor(Role.VIEWER));
    expect(viewer.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    const operator = await inspect(pfx, await server.tokenFor(Role.OPERATOR));
    expect(operator.data!.inspectPfx.problems).toEqual([]);

    const twice = await server.upload(
      'query($input: InspectPfxInput!) { a: inspectPfx(input: $input) { problems { code } } b: inspectPfx(input: $input) { problems { code } } }',
      { input: { file: null, password: pfx.password } },
      { path: 'variables.input.file', content: pfx.file },
    );
    expect(twice.errors?.map((error) => error.extensions?.code)).toEqual(['QUERY_TOO_COMPLEX']);
  });
});

describe.runIf(testDatabaseKind === 'postgres')('inspectPfx under load and limits', () => {
  const limited = useTestServer({ environment: { PFX_WORKER_THREADS: '1', PFX_MAX_BYTES: '4096' } });

  it('answers SERVER_BUSY when every thread is busy and the queue is full, and refuses oversized files as a problem', async () => {
    // 3 × 300,000 PBKDF2 iterations: each read keeps the single thread busy while the others queue.
    const pfx = opensslPfx({ iterations: 300_000 });
    const send = () =>
      limited.upload<{ inspectPfx: Inspection }>(
        'query($input: InspectPfxInput!) { inspectPfx(input: $input) { problems { code } } }',
        { input: { file: null, password: pfx.password } },
        { path: 'variables.input.file', content: pfx.file },
      );
    const answers = await Promise.all(Array.from({ length: 8 }, send));
    const codes = answers.map((answer) => answer.errors?.[0]?.extensions?.code ?? 'OK');
    expect(codes.filter((code) => code === 'OK').length).toBeGreaterThanOrEqual(5);
    expect(codes).toContain('SERVER_BUSY');
    expect(new Set(codes)).toEqual(new Set(['OK', 'SERVER_BUSY']));

    const large = await limited.upload<{ inspectPfx: Inspection }>(
      'query($input: InspectPfxInput!) { inspectPfx(input: $input) { certificate { thumbprint } problems { code } } }',
      { input: { file: null, password: '' } },
      { path: 'variables.input.file', content: Buffer.alloc(4097, 0x30) },
    );
    expect(large.data!.inspectPfx).toEqual({ certificate: null, problems: [{ code: 'PFX_TOO_LARGE' }] });
  });
});
