import { BackupApplication } from '../applications/backup-application.entity.js';
import { CertificateChange } from '../certificates/certificate-change.entity.js';
import { Certificate } from '../certificates/certificate.entity.js';
import { Organization } from '../organizations/organization.entity.js';

export const entities = [Organization, BackupApplication, Certificate, CertificateChange];
