import type { FailureCode } from '../common/apollo/failure.js';

export type AddOrganizationStep = 'tenant' | 'management';

// Codes about the tenant itself; every other refusal concerns the management application or its certificate.
const tenantCodes = new Set<FailureCode>(['ENTRA_TENANT_NOT_FOUND', 'ORGANIZATION_EXISTS']);

/** The step whose input an Add organization error concerns, so the wizard shows the error there. */
export function addOrganizationStepForError(code: FailureCode): AddOrganizationStep {
  return tenantCodes.has(code) ? 'tenant' : 'management';
}
