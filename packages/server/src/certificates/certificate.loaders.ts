import type DataLoader from 'dataloader';
import { type DataSource, type FindOptionsSelect, In } from 'typeorm';
import { rowLoader } from '../common/batch-loaders.js';
import { createCertificateHistoryLoaders } from './certificate-change.loaders.js';
import { Certificate } from './certificate.entity.js';

/**
 * Every column but the DER bytes: no field of the API returns them, and they are most of a row.
 * Certificates loaded here leave `der` unset.
 */
function withoutDer(dataSource: DataSource): FindOptionsSelect<Certificate> {
  const columns = dataSource.getMetadata(Certificate).columns.filter((column) => column.isSelect && column.propertyName !== 'der');
  return Object.fromEntries(columns.map((column) => [column.propertyName, true]));
}

/** Batches the certificates of all applications a request touches into one statement. */
function createCertificateLoader(dataSource: DataSource): DataLoader<string, Certificate | null> {
  const select = withoutDer(dataSource);
  return rowLoader(
    (ids) => dataSource.getRepository(Certificate).find({ select, where: { id: In(ids) } }),
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
    certificateHistory: createCertificateHistoryLoaders(dataSource),
  };
}
