import type DataLoader from 'dataloader';
import { type DataSource, In } from 'typeorm';
import { rowLoader } from '../common/batch-loaders.js';
import { plainRows } from '../common/plain-rows.js';
import { createCertificateChangesByApplicationLoader } from './certificate-change.loaders.js';
import { Certificate } from './certificate.entity.js';

/**
 * Batches the certificates of all applications a request touches into one statement. They come
 * without the DER bytes (`der` unset): no field of the API returns them, and they are most of a row.
 */
function createCertificateLoader(dataSource: DataSource): DataLoader<string, Certificate | null> {
  const certificates = plainRows(dataSource, Certificate, ['der']);
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

/** The certificate domain's loaders for one request. */
export function createCertificateLoaders(dataSource: DataSource) {
  return {
    certificate: createCertificateLoader(dataSource),
    certificateDer: createCertificateDerLoader(dataSource),
    certificateChangesByApplication: createCertificateChangesByApplicationLoader(dataSource),
  };
}
