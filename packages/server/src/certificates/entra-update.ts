import { ErrorCode } from '@bam/shared';
import { lockApplications } from '../applications/backup-application.service.js';
import type { Actor } from '../common/actor.js';
import { DomainError } from '../common/domain-error.js';
import type { AuditService } from '../audit/audit.service.js';
import { certificateUpdated } from '../events/certificate-events.js';
import type { EventOutboxService } from '../events/event-outbox.service.js';
import { KeyRotationState } from '../entra/key-rotation.entity.js';
import { logApplicationsChange } from '../logging/application-ids-log.js';
import type { Logger } from '../logging/logger.js';
import { CertificateChangeSource } from './certificate-change.entity.js';
import type { CertificateRotationService } from './certificate-rotation.service.js';
import { type RotationProgress, RotationStep, RotationStepStatus } from './rotation-progress.js';
import type { CertificateStoreService, ReadPfx } from './certificate-store.service.js';
import { CertificateSource } from './certificate.entity.js';
import { signingCertificate } from '../key-custody/signing-certificate.js';
import { type CertificateChoice, type CheckedUpdate, lockStoreCertificate, setCertificate, type UpdateResult } from './update-certificate.service.js';

interface Dependencies {
  rotation: CertificateRotationService;
  store: CertificateStoreService;
  audit: AuditService;
  logger: Logger;
  events: EventOutboxService;
}

/**
 * `updateCertificate` for an organization connected to Entra, once the update service's checks have
 * passed and committed with the rotation's rows: the rotation registers and proves the new key, and only
 * its switch step changes the applications — re-checked under lock, in one transaction with their history
 * rows and, for a PFX file, the file's certificate joining the store. A refused rotation changes nothing.
 */
export async function updateThroughEntra(
  { rotation, store, audit, logger, events }: Dependencies,
  organizationId: string,
  request: {
    checked: CheckedUpdate;
    choice: CertificateChoice;
    pfx: ReadPfx | null;
    actor: Actor;
    progress: RotationProgress;
    operationId?: string | null;
  },
): Promise<UpdateResult> {
  const { checked, pfx, actor, progress } = request;
  const { applications, current, changing, rotations } = checked;
  let certificate = checked.certificate;
  progress.report({ step: RotationStep.VALIDATE, status: RotationStepStatus.DONE });
  const source = pfx ? CertificateChangeSource.PFX_FILE : CertificateChangeSource.STORE;

  if (changing.length > 0) {
    await rotation.rotate(
      {
        organizationId: applications[0]!.organizationId,
        applications: changing,
        current,
        certificate: { id: certificate?.id ?? null, thumbprint: checked.thumbprint },
        newKey: pfx?.privateKey ? signingCertificate(Buffer.from(pfx.certificate.x509.raw), pfx.privateKey) : undefined,
        source,
        skipRegistration: Boolean(request.choice.skipRegistration),
        operationId: request.operationId,
      },
      rotations,
      async (manager, rotated) => {
        // Between the checks and now the applications were unlocked (Entra calls take seconds): check again.
        const locked = await lockApplications(
          manager,
          organizationId,
          rotated.map((application) => application.applicationId),
          actor,
        );
        const moved = locked.filter((application, index) => application.certificateId !== rotated[index]!.certificateId);
        if (moved.length > 0) {
          throw new DomainError(
            ErrorCode.CERTIFICATE_CONFLICT,
            moved.map((application) => application.applicationId),
          );
        }
        if (pfx) {
          ({ certificate } = await store.save(manager, pfx, { keyExportable: true, source: CertificateSource.PFX_IMPORT, whenPresent: 'reuse' }));
        } else {
          // Until now only the rotation's rows kept the store certificate: another instance's start-up may have rolled
          // them back and removeStoreCertificate taken it. Share-locked, it stays until the switch commits.
          const stillStored = (await lockStoreCertificate(manager, certificate!.id, [])).certificate;
          if (!stillStored) throw new DomainError(ErrorCode.STORE_CERTIFICATE_NOT_FOUND, [certificate!.id]);
          certificate = stillStored;
        }
        const switchedTo = certificate!;
        const auditEntryId = await setCertificate(manager, audit, locked, switchedTo, {
          previousThumbprints: locked.map((application) =>
            application.certificateId ? (current.get(application.certificateId)?.thumbprint ?? null) : null,
          ),
          source,
          actor,
        });
        await events.record(
          manager,
          certificateUpdated({ applications: locked, current, certificate: switchedTo, source, rotationStep: KeyRotationState.SWITCHED, actor }),
          { applicationsAuditEntryId: auditEntryId },
        );
        return switchedTo.id;
      },
      progress,
    );
  }
  const result = certificate!;
  for (const application of applications) application.certificateId = result.id;
  logApplicationsChange(
    logger,
    { actor: actor.id, organizationId, thumbprint: result.thumbprint, changed: changing.length, entra: true },
    applications.map((application) => application.applicationId),
    'application certificates rotated on Entra',
  );
  return { applications, certificate: result };
}
