import { ErrorCode } from '@bam/shared';
import type { DataSource } from 'typeorm';
import { DomainError } from '../common/domain-error.js';
import type { PrivateKeyVault } from '../key-custody/private-key-vault.js';
import { openSigningCertificate } from '../key-custody/signing-certificate.js';
import { Organization } from '../organizations/organization.entity.js';
import type { ManagementSignIn } from './entra-directory.js';
import { EntraConnection } from './entra-connection.entity.js';

/** Reads organizations' Entra connections and opens their management sign-in (the certificate's key from key custody). */
export class EntraConnectionsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly vault: PrivateKeyVault,
  ) {}

  find(organizationId: string): Promise<EntraConnection | null> {
    return this.dataSource.getRepository(EntraConnection).findOneBy({ organizationId });
  }

  /** The management sign-in of a connected organization; ORGANIZATION_NOT_CONNECTED otherwise. */
  async signIn(organizationId: string): Promise<ManagementSignIn> {
    const organization = await this.dataSource.getRepository(Organization).findOneBy({ id: organizationId });
    if (!organization) throw new DomainError(ErrorCode.ORGANIZATION_NOT_FOUND, [organizationId]);
    const connection = await this.find(organizationId);
    if (!connection) throw new DomainError(ErrorCode.ORGANIZATION_NOT_CONNECTED, [organizationId]);
    const certificate = await openSigningCertificate(this.dataSource.manager, this.vault, connection.managementCertificateId);
    return { cloud: connection.cloud, tenant: organization.tenantId, appId: connection.managementAppId, certificate };
  }
}
