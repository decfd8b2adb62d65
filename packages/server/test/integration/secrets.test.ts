import { createPrivateKey } from 'node:crypto';
import { expect, it } from 'vitest';
import { opensslPfx, rsaCertificate } from '../support/pfx-fixtures.js';
import { seedOrganization } from '../support/seed.js';
import { useTestServer } from '../support/test-server.js';

// trace: every SQL statement is logged too, the most a log can say.
const server = useTestServer({ environment: { LOG_LEVEL: 'trace' } });

it('never lets a private key or a PFX password reach an API response or a log line', async () => {
  const { organization, applications } = await seedOrganization(server.database.dataSource, 'contoso.onmicrosoft.com', [
    { displayName: 'Secret keeper' },
  ]);
  const password = 'Tr0ub4dor&3-unique-secret';
  const certificate = rsaCertificate({ commonName: 'Secret test' });
  const pfx = opensslPfx({ certificate, password });
  const responses: string[] = [];
  const record = (response: unknown) => responses.push(JSON.stringify(response));

  const update = (pfxPassword: string) =>
    server.upload(
      'mutation($input: UpdateCertificateInput!) { updateCertificate(input: $input) { applications { applicationId } errors { code message ids } } }',
      {
        input: {
          organizationId: organization.id,
          applications: [{ applicationId: applications[0]!.applicationId }],
          pfx: { file: null, password: pfxPassword },
        },
      },
      { path: 'variables.input.pfx.file', content: pfx.file },
    );
  record(await update(`${password}-wrong`));
  record(await update(password));
  record(
    await server.upload(
      'mutation($input: ImportCertificateInput!) { importCertificate(input: $input) { certificate { id } errors { code message ids } } }',
      { input: { file: null, password } },
      { path: 'variables.input.file', content: pfx.file },
    ),
  );
  record(
    await server.graphql(
      `mutation { generateCertificate(input: { commonName: "Generated secret test", notAfter: "${new Date(Date.now() + 86_400_000 * 30).toISOString()}" }) {
        certificate { id } errors { code } } }`,
    ),
  );
  record(
    await server.graphql(`{
      certificateStore { id thumbprint subject issuer serialNumber hasPrivateKey keyExportable usable unusableReason source store usedBy { id } }
      organizations { edges { node { backupApplications { certificate { thumbprint } certificateHistory { thumbprint certificate { id } } } } } }
    }`),
  );
  // Introspection: no field could ever expose key material.
  record(await server.graphql('{ __type(name: "Certificate") { fields { name } } }'));

  const keyPem = certificate.key.export({ type: 'pkcs8', format: 'pem' }).toString();
  const keyDer = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der' });
  const secrets = [
    password,
    keyPem.split('\n')[5]!, // a line from the middle of the PEM body
    keyDer.subarray(100, 140).toString('base64'),
    keyDer.subarray(100, 140).toString('hex'),
    pfx.file.subarray(200, 240).toString('base64'),
    'PRIVATE KEY',
  ];
  const everything = [...responses, ...server.logs].join('\n');
  expect(server.logs.length).toBeGreaterThan(20);
  expect(everything).toContain('application certificates updated');
  for (const secret of secrets) expect(everything.includes(secret), `found ${secret.slice(0, 12)}…`).toBe(false);
  expect(JSON.stringify(JSON.parse(responses[5]!).data.__type.fields)).not.toMatch(/private.?key.?(der|pem|ciphertext)|password/i);
});
