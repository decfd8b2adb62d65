/** A usable certificate of the store, as the API answers it; a test overrides the fields it looks at. */
export function storeCertificate(id: string, overrides: Record<string, unknown> = {}) {
  return {
    __typename: 'Certificate',
    id,
    thumbprint: id.toUpperCase().padEnd(40, '0'),
    issuedTo: `Cert ${id}`,
    issuedBy: 'Test CA',
    notBefore: '2026-01-01T00:00:00Z',
    notAfter: '2028-01-01T00:00:00Z',
    status: 'VALID',
    keyAlgorithm: 'RSA',
    keySize: 2048,
    store: 'PERSONAL',
    hasPrivateKey: true,
    keyExportable: true,
    usable: true,
    unusableReason: null,
    usedBy: [],
    ...overrides,
  };
}
