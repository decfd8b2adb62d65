import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Steps of a certificate rotation on Entra. Each is recorded before the next Entra call, so a crash
 * leaves a row saying how far it got: STARTED and REGISTERED roll back, PROVEN rolls back too (nothing
 * switched yet), SWITCHED finishes by removing the old key.
 */
export enum KeyRotationState {
  STARTED = 'STARTED',
  REGISTERED = 'REGISTERED',
  PROVEN = 'PROVEN',
  SWITCHED = 'SWITCHED',
  OLD_KEY_REMOVED = 'OLD_KEY_REMOVED',
  ROLLED_BACK = 'ROLLED_BACK',
}

/** States of a rotation not finished yet: recovery still needs its certificates. */
export const unfinishedRotationStates: readonly KeyRotationState[] = [
  KeyRotationState.STARTED,
  KeyRotationState.REGISTERED,
  KeyRotationState.PROVEN,
  KeyRotationState.SWITCHED,
];

/** One application's certificate rotation on Entra, as an operation row (never inside an Entra call's transaction). */
@Entity('key_rotations')
export class KeyRotation {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Rotations of one bulk update share a batch id: they finish or roll back together. */
  @Column('uuid', { name: 'batch_id' })
  batchId: string;

  @Column('uuid', { name: 'organization_id' })
  organizationId: string;

  @Column('uuid', { name: 'backup_application_id' })
  backupApplicationId: string;

  @Column('uuid', { name: 'application_id' })
  applicationId: string;

  /** The certificate the application had (null: none, or removed from the store since the rotation finished). */
  @Column('uuid', { name: 'old_certificate_id', nullable: true })
  oldCertificateId: string | null;

  /**
   * The certificate the rotation sets: null until the switch when it comes from a PFX file the store did not hold,
   * and once removed from the store (only finished rotations let it go).
   */
  @Column('uuid', { name: 'new_certificate_id', nullable: true })
  newCertificateId: string | null;

  /** SHA-1 thumbprint of the old certificate, kept when the certificate leaves the store; null when there was none. */
  @Column('char', { name: 'old_thumbprint', length: 40, nullable: true })
  oldThumbprint: string | null;

  /** SHA-1 thumbprint of the new certificate, kept when the certificate leaves the store. */
  @Column('char', { name: 'new_thumbprint', length: 40 })
  newThumbprint: string;

  /** Entra's key id of the new certificate, once registered. */
  @Column('uuid', { name: 'new_key_id', nullable: true })
  newKeyId: string | null;

  /**
   * Whether the new key is this rotation's — only then does a rollback withdraw it: set just before the rotation asks
   * Entra to add a key it does not hold (its key id still null: a rollback looks for it by thumbprint and the server's
   * marking, `addedKeyDisplayName`), and kept once Entra answered only if Entra added it. False when Entra held the
   * certificate already (uploaded in the portal, or registered by another rotation) and with `skipRegistration`.
   */
  @Column('boolean', { name: 'registered_by_us', default: false })
  registeredByUs: boolean;

  @Column('text')
  state: KeyRotationState;

  @Column('text', { name: 'failure', nullable: true })
  failure: string | null;

  /**
   * The lease of the rotation's current runner (the instance running it, or recovering it), renewed while it works;
   * expiry on the database's clock. Recovery takes only rows whose lease ran out or that none holds (null).
   */
  @Column('uuid', { name: 'lease_holder', nullable: true })
  leaseHolder: string | null;

  @Column('timestamptz', { name: 'lease_expires_at', nullable: true })
  leaseExpiresAt: Date | null;

  @Column('text', { name: 'started_by' })
  startedBy: string;

  @Column('timestamptz', { name: 'started_at', default: () => 'now()' })
  startedAt: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}
