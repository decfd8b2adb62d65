import { InitialSchema1795737600000 } from './migrations/1795737600000-initial-schema.js';
import { CertificateStore1795737700000 } from './migrations/1795737700000-certificate-store.js';

/** Every migration, oldest first. The same list runs on the embedded database and on PostgreSQL. */
export const migrations = [InitialSchema1795737600000, CertificateStore1795737700000];
