import type DataLoader from 'dataloader';
import { type DataSource, In } from 'typeorm';
import { rowLoader } from '../common/batch-loaders.js';
import { createCertificateChangesByApplicationLoader } from './certificate-change.loaders.js';
import { Certificate } from './certificate.entity.js';

/** Batches the certificates of all applications a request touches into one statement. */
function createCertificateLoader(dataSource: DataSource): DataLoader<string, Certificate | null> {
  return rowLoader(
    (ids) => dataSource.getRepository(Certificate).findBy({ id: In(ids) }),
    (row) => row.id,
  );
}

/** The certificate domain's loaders for one request. */
export function createCertificateLoaders(dataSource: DataSource) {
  return {
    certificate: createCertificateLoader(dataSource),
    certificateChangesByApplication: createCertificateChangesByApplicationLoader(dataSource),
  };
}
