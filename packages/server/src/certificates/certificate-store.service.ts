import { X509Certificate } from 'node:crypto';
import { ErrorCode } from '@bam/shared';
import { Brackets, type DataSource, type EntityManager, In } from 'typeorm';
import { BackupApplication } from '../applications/backup-application.entity.js';
import { AuditAction } from '../audit/audit-entry.entity.js';
import type { AuditService } from '../audit/audit.service.js';
import { type Actor, canAccessOrganization } from '../common/actor.js';
import { DomainError } from '../common/domain-error.js';
import { containsPattern } from '../common/like-pattern.js';
import { isUuid } from '../common/uuid.js';
import { storeCertificateGenerated, storeCertificateImported, storeCertificateRemoved } from '../events/certificate-events.js';
import type { EventOutboxService } from '../events/event-outbox.service.js';
import { EntraConnection } from '../entra/entra-connection.entity.js';
import { KeyRotation, unfinishedRotationStates } from '../entra/key-rotation.entity.js';
import type { Logger } from '../logging/logger.js';
import { signInProblem } from './certificate-rules.js';
import { Certificate, CertificateSource, CertificateStoreName } from './certificate.entity.js';
import type { PfxReader, PfxReadOptions } from '../pfx/pfx-worker-pool.js';
import type { PrivateKeyVault, SealedPrivateKey } from '../key-custody/private-key-vault.js';
import { generateSelfSignedCertificate } from '../key-custody/self-signed-certificate.js';
import { parseCertificate, type ParsedCertificate } from '../key-custody/certificate-metadata.js';

/** A PFX file read and checked: the certificate, its chain and its key, not yet stored. */
export interface ReadPfx {
  certificate: ParsedCertificate;
  chain: ParsedCertificate[];
  privateKey: Buffer | null;
}

export interface StoreFilter {
  search?: string | null;
  store?: CertificateStoreName | null;
  usableOnly?: boolean | null;
}

export interface GenerateRequest {
  commonName: string;
  organization?: string | null;
  notBefore?: Date | null;
  notAfter: Date;
  keySize: number;
  keyExportable: boolean;
}

const MAX_VALIDITY_MS = 3653 * 24 * 60 * 60 * 1000;
const KEY_SIZES = [2048, 3072, 4096];
// Letters of any script, digits, spaces, punctuation and symbols (written as UTF8String); no control or
// format characters, which would corrupt the name, and no lone surrogate, which UTF-8 cannot encode.
const printableName = /^[^\p{Cc}\p{Cf}\p{Cs}]{1,64}$/u;

/** The server's certificate store: like Windows' Local Machine stores, with private keys sealed at rest. */
export class CertificateStoreService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly vault: PrivateKeyVault,
    private readonly pfxReader: PfxReader,
    private readonly audit: AuditService,
    private readonly logger: Logger,
    /** Largest PFX file accepted, in bytes: clients check it before sending. */
    readonly pfxMaxBytes: number,
    private readonly events: EventOutboxService,
  ) {}

  /** Personal certificates first, then intermediate and root authorities; each by name, newest first. */
  async list({ search, store, usableOnly }: StoreFilter): Promise<Certificate[]> {
    const query = this.dataSource.getRepository(Certificate).createQueryBuilder('certificate');
    if (store) query.andWhere('certificate.store = :store', { store });
    const text = search?.trim();
    if (text) {
      const pattern = containsPattern(text);
      const thumbprint = text.replace(/[\s:]/g, '').toUpperCase();
      query.andWhere(
        new Brackets((where) => {
          where
            .where('certificate.issuedTo ILIKE :pattern', { pattern })
            .orWhere('certificate.issuedBy ILIKE :pattern')
            .orWhere('certificate.subject ILIKE :pattern');
          if (/^[0-9A-F]+$/.test(thumbprint)) where.orWhere('certificate.thumbprint LIKE :thumbprint', { thumbprint: `${thumbprint}%` });
        }),
      );
    }
    const rows = await query
      .orderBy(`CASE certificate.store WHEN 'PERSONAL' THEN 0 WHEN 'INTERMEDIATE' THEN 1 ELSE 2 END`)
      .addOrderBy('certificate.issuedTo', 'ASC')
      .addOrderBy('certificate.notAfter', 'DESC')
      .getMany();
    return usableOnly ? rows.filter((row) => unusableReason(row) === null) : rows;
  }

  async findById(id: string): Promise<Certificate | null> {
    return isUuid(id) ? this.dataSource.getRepository(Certificate).findOneBy({ id }) : null;
  }

  /**
   * Reads a PFX file off the event loop. Rejects files that are not well-formed, that ask for too much
   * work or whose key is not the certificate's; SERVER_BUSY when too many files wait to be read.
   */
  async readPfx(file: Buffer, password: string, options: PfxReadOptions = {}): Promise<ReadPfx> {
    const contents = await this.pfxReader.read(file, password, options);
    return {
      certificate: parseCertificate(new X509Certificate(contents.certificate)),
      chain: contents.chain.map((der) => parseCertificate(new X509Certificate(der))),
      privateKey: contents.privateKey,
    };
  }

  /**
   * Imports a PFX file into the store. Any readable certificate is accepted — expired or with a weak
   * key it is listed as unusable, as Windows would — but one already in the store with its key is refused.
   */
  async importPfx(
    file: Buffer,
    password: string,
    options: { keyExportable: boolean; source: CertificateSource; signal?: AbortSignal },
    actor: Actor,
  ): Promise<{ certificate: Certificate; chain: Certificate[] }> {
    const pfx = await this.readPfx(file, password, options);
    try {
      const result = await this.dataSource.transaction(async (manager) => {
        const saved = await this.save(manager, pfx, { keyExportable: options.keyExportable, source: options.source, whenPresent: 'refuse' });
        await this.audit.record(manager, actor, {
          action: AuditAction.STORE_CERTIFICATE_IMPORTED,
          details: { ...auditedCertificate(saved.certificate), chain: saved.chain.map((authority) => authority.thumbprint) },
        });
        await this.events.record(manager, storeCertificateImported(saved.certificate, actor));
        return saved;
      });
      this.logger.info(
        { actor: actor.id, thumbprint: result.certificate.thumbprint, chain: result.chain.length, source: options.source },
        'certificate imported into the store',
      );
      return result;
    } finally {
      pfx.privateKey?.fill(0);
    }
  }

  /** Generates a self-signed RSA certificate with its key into the Personal store. */
  async generate(request: GenerateRequest, actor: Actor): Promise<Certificate> {
    const commonName = request.commonName.trim();
    const organization = request.organization?.trim() || null;
    if (!printableName.test(commonName) || (organization !== null && !printableName.test(organization))) {
      throw new DomainError(ErrorCode.GENERATE_INVALID_SUBJECT);
    }
    const notBefore = request.notBefore ?? new Date();
    const { notAfter } = request;
    if (
      Number.isNaN(notBefore.getTime()) ||
      Number.isNaN(notAfter.getTime()) ||
      notAfter.getTime() <= notBefore.getTime() ||
      notAfter.getTime() <= Date.now() ||
      notAfter.getTime() - notBefore.getTime() > MAX_VALIDITY_MS
    ) {
      throw new DomainError(ErrorCode.GENERATE_INVALID_VALIDITY);
    }
    if (!KEY_SIZES.includes(request.keySize)) throw new DomainError(ErrorCode.GENERATE_INVALID_KEY_SIZE);

    const generated = await generateSelfSignedCertificate({ commonName, organization, notBefore, notAfter, keyBits: request.keySize });
    try {
      const { certificate } = await this.dataSource.transaction(async (manager) => {
        const saved = await this.save(
          manager,
          { certificate: generated.certificate, chain: [], privateKey: generated.privateKeyDer },
          { keyExportable: request.keyExportable, source: CertificateSource.GENERATED, whenPresent: 'refuse' },
        );
        await this.audit.record(manager, actor, {
          action: AuditAction.STORE_CERTIFICATE_GENERATED,
          details: { ...auditedCertificate(saved.certificate), keySize: request.keySize },
        });
        await this.events.record(manager, storeCertificateGenerated(saved.certificate, actor));
        return saved;
      });
      this.logger.info({ actor: actor.id, thumbprint: certificate.thumbprint, keySize: request.keySize }, 'certificate generated');
      return certificate;
    } finally {
      generated.privateKeyDer.fill(0);
    }
  }

  /**
   * Removes a certificate from the store; refused while an application uses it, while it is an organization's
   * Entra management certificate, and while an unfinished rotation moves an application to or from it (recovery
   * signs with it and finds its key in Entra). Finished rotations keep its thumbprint, not the certificate.
   * Errors name only what the actor may see: other organizations answer as if they did not exist.
   */
  async remove(id: string, actor: Actor): Promise<Certificate> {
    const removed = await this.dataSource.transaction(async (manager) => {
      // The row lock waits for, and then holds off, any change that would point at the certificate meanwhile.
      const certificate = isUuid(id) ? await manager.findOne(Certificate, { where: { id }, lock: { mode: 'pessimistic_write' } }) : null;
      if (!certificate) throw new DomainError(ErrorCode.STORE_CERTIFICATE_NOT_FOUND, [id]);
      const visible = <Row extends { organizationId: string }>(rows: Row[]) => rows.filter((row) => canAccessOrganization(actor, row.organizationId));

      const users = await manager.find(BackupApplication, { where: { certificateId: id }, select: { applicationId: true, organizationId: true } });
      if (users.length > 0) {
        throw new DomainError(
          ErrorCode.STORE_CERTIFICATE_IN_USE,
          visible(users).map((application) => application.applicationId),
        );
      }
      const connections = await manager.find(EntraConnection, { where: { managementCertificateId: id }, select: { organizationId: true } });
      if (connections.length > 0) {
        throw new DomainError(
          ErrorCode.STORE_CERTIFICATE_MANAGES_ORGANIZATION,
          visible(connections).map((connection) => connection.organizationId),
        );
      }
      const rotations = await manager.find(KeyRotation, {
        where: [
          { newCertificateId: id, state: In([...unfinishedRotationStates]) },
          { oldCertificateId: id, state: In([...unfinishedRotationStates]) },
        ],
        select: { applicationId: true, organizationId: true },
      });
      if (rotations.length > 0) {
        throw new DomainError(ErrorCode.ROTATION_IN_PROGRESS, [...new Set(visible(rotations).map((rotation) => rotation.applicationId))]);
      }
      await manager.delete(Certificate, { id });
      await this.audit.record(manager, actor, { action: AuditAction.STORE_CERTIFICATE_REMOVED, details: auditedCertificate(certificate) });
      await this.events.record(manager, storeCertificateRemoved(certificate, actor));
      return certificate;
    });
    this.logger.info({ actor: actor.id, thumbprint: removed.thumbprint }, 'certificate removed from the store');
    return removed;
  }

  /**
   * Stores a read PFX (or a generated certificate) and its chain inside the caller's transaction.
   * A certificate already in the store (same thumbprint) is kept: `refuse` fails unless the stored one
   * lacks the private key this one brings; `reuse` gives it this key when it has none or a
   * non-exportable one — whoever holds the PFX file holds an exportable key.
   */
  async save(
    manager: EntityManager,
    pfx: ReadPfx,
    options: { keyExportable: boolean; source: CertificateSource; whenPresent: 'refuse' | 'reuse' },
  ): Promise<{ certificate: Certificate; chain: Certificate[] }> {
    const { thumbprint } = pfx.certificate.metadata;
    const sealed = pfx.privateKey ? this.vault.seal(pfx.privateKey, thumbprint) : null;
    const chain: Certificate[] = [];
    for (const authority of pfx.chain)
      chain.push((await insertIfAbsent(manager, authority, { store: chainStore(authority), source: options.source })).row);

    const { row, created } = await insertIfAbsent(manager, pfx.certificate, {
      store: CertificateStoreName.PERSONAL,
      source: options.source,
      sealed,
      keyExportable: options.keyExportable,
    });
    if (created) return { certificate: row, chain };

    const hasKey = row.privateKeyMasterKeyId !== null;
    if (options.whenPresent === 'refuse' && (hasKey || !sealed)) throw new DomainError(ErrorCode.STORE_CERTIFICATE_EXISTS, [thumbprint]);
    if (!sealed || (hasKey && row.keyExportable)) return { certificate: row, chain };

    await manager.update(
      Certificate,
      { id: row.id },
      {
        store: CertificateStoreName.PERSONAL,
        privateKeyCiphertext: sealed.ciphertext,
        privateKeyMasterKeyId: sealed.masterKeyId,
        keyExportable: options.whenPresent === 'reuse' || options.keyExportable,
      },
    );
    return { certificate: await manager.findOneByOrFail(Certificate, { id: row.id }), chain };
  }
}

/** Why the store entry cannot be set on an application now, or null when it can. */
export function unusableReason(certificate: Certificate, now: Date = new Date()): ErrorCode | null {
  return signInProblem({ ...certificate, hasPrivateKey: certificate.privateKeyMasterKeyId !== null }, now);
}

/** What the audit log keeps of a store certificate: enough to recognise it after it is gone. */
function auditedCertificate(certificate: Certificate): Record<string, unknown> {
  return {
    certificateId: certificate.id,
    thumbprint: certificate.thumbprint,
    subject: certificate.subject,
    keyExportable: certificate.keyExportable,
  };
}

/** Self-signed authorities are roots; others in a chain are intermediates. */
function chainStore({ x509: certificate }: ParsedCertificate): CertificateStoreName {
  const selfSigned = certificate.checkIssued(certificate) && certificate.verify(certificate.publicKey);
  return selfSigned ? CertificateStoreName.ROOT : CertificateStoreName.INTERMEDIATE;
}

/**
 * Inserts the certificate unless its thumbprint is already stored, and returns the row, locked for
 * the rest of the transaction. ON CONFLICT keeps two concurrent imports of one file from colliding.
 */
async function insertIfAbsent(
  manager: EntityManager,
  { x509, metadata }: ParsedCertificate,
  entry: { store: CertificateStoreName; source: CertificateSource; sealed?: SealedPrivateKey | null; keyExportable?: boolean },
): Promise<{ row: Certificate; created: boolean }> {
  const insert = async () => {
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(Certificate)
      .values({
        ...metadata,
        der: Buffer.from(x509.raw),
        store: entry.store,
        source: entry.source,
        privateKeyCiphertext: entry.sealed?.ciphertext ?? null,
        privateKeyMasterKeyId: entry.sealed?.masterKeyId ?? null,
        keyExportable: Boolean(entry.sealed && entry.keyExportable),
      })
      .orIgnore()
      .returning(['id'])
      .execute();
    return (result.raw as unknown[]).length > 0;
  };
  const locked = { where: { thumbprint: metadata.thumbprint }, lock: { mode: 'pessimistic_write' as const } };
  let created = await insert();
  let row = await manager.findOne(Certificate, locked);
  if (!row) {
    // The stored certificate the insert ran into was being removed (removeStoreCertificate held its lock) and is gone:
    // this one takes its place.
    created = await insert();
    row = await manager.findOneOrFail(Certificate, locked);
  }
  return { row, created };
}
