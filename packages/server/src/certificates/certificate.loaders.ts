import type DataLoader from 'dataloader';
import { type DataSource, In } from 'typeorm';
import { rowLoader } from '../common/batch-loaders.js';
import { plainRows } from '../common/plain-rows.js';
import { createCertificateHistoryLoaders } from './certificate-change.loaders.js';
import { Certificate } from './certificate.entity.js';

/**
 * Batches the certificates of all applications a request touches into one statement. They come
 * without the DER bytes (`der` unset): no field of the API returns them, and they are most of a row.
 */
function createCertificateLoader(dataSource: DataSource): DataLoader<string, Certificate | null> {
  const certificates = plainRows(dataSource, Certificate, { omit: ['der'] });
  return rowLoader(
    (ids) => certificates.select('WHERE id = ANY($1)', [ids]),
    (row) => row.id,
  );
}

/** The DER bytes of the certificates whose public certificate a request downloads, in one statement. */
function createCertificateDerLoader(dataSource: DataSource): DataLoader<string, Pick<Certificate, 'id' | 'der'> | null> {
  return rowLoader(
    (ids) => dataSource.getRepository(Certificate).find({ select: { id: true, der: true }, where: { id: In(ids) } }),
    (row) => row.id,
  );
}

/** Certificate fields that are not a column of the same name, and the columns each reads. */
const computedFieldColumns: Record<string, (keyof Certificate & string)[]> = {
  __typename: [],
  status: ['notBefore', 'notAfter'],
  hasPrivateKey: ['privateKeyMasterKeyId'],
  // The DER bytes come from their own loader, by id.
  publicCertificatePem: [],
  derBase64: [],
  usedBy: [],
  managedOrganizations: [],
};

/**
 * The columns a certificate must have for the selected fields of the Certificate type: what a list
 * reads instead of every column. `id` always; every column but the DER bytes for a field not known here.
 */
export function certificateColumnsFor(dataSource: DataSource, fields: Iterable<string>): (keyof Certificate & string)[] {
  const columnNames = new Set(dataSource.getMetadata(Certificate).columns.flatMap((column) => (column.isSelect ? [column.propertyName] : [])));
  columnNames.delete('der');
  const columns = new Set<string>(['id']);
  for (const field of fields) {
    const computed = computedFieldColumns[field];
    if (computed) computed.forEach((column) => columns.add(column));
    else if (columnNames.has(field)) columns.add(field);
    else return [...columnNames] as (keyof Certificate & string)[];
  }
  return [...columns] as (keyof Certificate & string)[];
}

/** The certificate domain's loaders for one request. */
export function createCertificateLoaders(dataSource: DataSource) {
  return {
    certificate: createCertificateLoader(dataSource),
    certificateDer: createCertificateDerLoader(dataSource),
    certificateHistory: createCertificateHistoryLoaders(dataSource),
  };
}
