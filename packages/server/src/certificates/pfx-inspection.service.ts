import { ErrorCode } from '@bam/shared';
import type { DataSource } from 'typeorm';
import type { Actor } from '../common/actor.js';
import { DomainError } from '../common/domain-error.js';
import type { CertificateMetadata } from '../key-custody/certificate-metadata.js';
import type { Logger } from '../logging/logger.js';
import type { PfxReadOptions } from '../pfx/pfx-worker-pool.js';
import { pfxSignInFacts, signInProblems } from './certificate-rules.js';
import type { CertificateStoreService, ReadPfx } from './certificate-store.service.js';
import { Certificate } from './certificate.entity.js';

/** What a PFX file holds and why an update with it would fail; nothing of it is stored. */
export interface PfxInspection {
  /** The certificate the key belongs to; null when the file could not be read. */
  certificate: (CertificateMetadata & { hasPrivateKey: boolean; chainLength: number }) | null;
  /** The store entry with the same thumbprint, when the certificate is already in the store. */
  storeCertificate: Certificate | null;
  /** Every reason updateCertificate would refuse the file, the one it would report first. Empty: the file can be used. */
  problems: ErrorCode[];
}

/**
 * Failures of reading a file that are about the file or its password: the administrator fixes them by
 * choosing another file or typing the password again. Anything else (SERVER_BUSY, a malformed request)
 * is a failure of the request, not an answer about the file.
 */
const fileProblems = new Set<ErrorCode>([
  ErrorCode.PFX_EMPTY,
  ErrorCode.PFX_TOO_LARGE,
  ErrorCode.PFX_IS_PEM,
  ErrorCode.PFX_TRUNCATED,
  ErrorCode.PFX_NOT_PKCS12,
  ErrorCode.PFX_TOO_COMPLEX,
  ErrorCode.PFX_PASSWORD_REQUIRED,
  ErrorCode.PFX_WRONG_PASSWORD,
  ErrorCode.PFX_UNSUPPORTED_ALGORITHM,
  ErrorCode.PFX_NO_CERTIFICATE,
  ErrorCode.PFX_MULTIPLE_KEYS,
  ErrorCode.CERTIFICATE_KEY_MISMATCH,
]);

/**
 * Reads a PFX file the way updateCertificate does — same worker pool, limits and sign-in rules — and
 * says what it holds, so a client can show the certificate and its problems before anything changes.
 */
export class PfxInspectionService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: CertificateStoreService,
    private readonly logger: Logger,
  ) {}

  /**
   * @param file the file's bytes, or a promise of them (an upload still streaming in, which may fail as PFX_TOO_LARGE).
   * @throws DomainError SERVER_BUSY when too many files wait to be read; the signal's reason when the client went away.
   */
  async inspect(file: Buffer | Promise<Buffer>, password: string, actor: Actor, options: PfxReadOptions = {}): Promise<PfxInspection> {
    let pfx: ReadPfx;
    try {
      pfx = await this.store.readPfx(await file, password, options);
    } catch (error) {
      if (!(error instanceof DomainError) || !fileProblems.has(error.code)) throw error;
      this.logger.debug({ actor: actor.id, problems: [error.code] }, 'PFX file inspected');
      return { certificate: null, storeCertificate: null, problems: [error.code] };
    }
    // Only the certificate is answered: the key is not needed past this point.
    const hasPrivateKey = pfx.privateKey !== null;
    pfx.privateKey?.fill(0);
    const { metadata } = pfx.certificate;
    const problems = signInProblems(pfxSignInFacts(metadata, hasPrivateKey));
    const storeCertificate = await this.dataSource.getRepository(Certificate).findOneBy({ thumbprint: metadata.thumbprint });
    this.logger.debug({ actor: actor.id, thumbprint: metadata.thumbprint, problems }, 'PFX file inspected');
    return { certificate: { ...metadata, hasPrivateKey, chainLength: pfx.chain.length }, storeCertificate, problems };
  }
}
