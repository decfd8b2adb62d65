import type { FailureCode } from '../../common/apollo/failure.js';
import { formatBytes } from '../../common/format/format.js';
import { errorText, t } from '../../common/i18n/translate.js';
import type { InspectPfxQuery } from '../../generated/graphql.js';

/** Where the certificate comes from: the first choice of the Select Certificate wizard. */
export type CertificateSourceChoice = 'store' | 'pfx';

export type WizardStep = 'source' | 'store' | 'pfx' | 'summary';

/** The steps of the wizard for a source, in order. */
export function wizardSteps(source: CertificateSourceChoice): WizardStep[] {
  return ['source', source, 'summary'];
}

/** What an error is about, so the wizard can show it beside the field to change. */
export type ErrorTarget = 'file' | 'password' | 'certificate' | 'request';

const fileCodes = new Set<FailureCode>([
  'PFX_EMPTY',
  'PFX_TOO_LARGE',
  'PFX_IS_PEM',
  'PFX_TRUNCATED',
  'PFX_NOT_PKCS12',
  'PFX_UNSUPPORTED_ALGORITHM',
  'PFX_NO_CERTIFICATE',
  'PFX_MULTIPLE_KEYS',
  'PFX_TOO_COMPLEX',
  'UPLOAD_INVALID',
]);
const passwordCodes = new Set<FailureCode>(['PFX_WRONG_PASSWORD', 'PFX_PASSWORD_REQUIRED']);
const certificateCodes = new Set<FailureCode>([
  'CERTIFICATE_NO_PRIVATE_KEY',
  'CERTIFICATE_KEY_MISMATCH',
  'CERTIFICATE_KEY_NOT_RSA',
  'CERTIFICATE_KEY_TOO_SMALL',
  'CERTIFICATE_EXPIRED',
  'CERTIFICATE_NOT_YET_VALID',
  'CERTIFICATE_KEY_NOT_EXPORTABLE',
  'CERTIFICATE_NOT_IN_PERSONAL_STORE',
  'STORE_CERTIFICATE_NOT_FOUND',
  'STORE_CERTIFICATE_EXISTS',
]);

/**
 * Where the wizard goes after Finish failed with `code`: back to the step whose input must change
 * (the PFX step keeps the file, so a wrong password is fixed by typing it again), or it stays on the
 * summary for failures that need no change of input (network, conflict, applications gone).
 */
export function wizardStepForError(code: FailureCode, source: CertificateSourceChoice): { step: WizardStep; target: ErrorTarget } {
  if (source === 'pfx' && passwordCodes.has(code)) return { step: 'pfx', target: 'password' };
  if (source === 'pfx' && fileCodes.has(code)) return { step: 'pfx', target: 'file' };
  if (certificateCodes.has(code)) return source === 'pfx' ? { step: 'pfx', target: 'file' } : { step: 'store', target: 'certificate' };
  return { step: 'summary', target: 'request' };
}

/** The server's reading of a chosen PFX file (inspectPfx): its certificate, store entry and problems. */
export type PfxInspection = InspectPfxQuery['inspectPfx'];

/**
 * Where the check of the chosen PFX file stands: nothing to check (no file, or a file refused before
 * upload), waiting for the server (or for the typing to pause), its answer, or no answer (the server
 * could not be reached or was busy: Finish checks the file again anyway).
 */
export type PfxCheck =
  { kind: 'idle' } | { kind: 'checking' } | { kind: 'checked'; inspection: PfxInspection } | { kind: 'unchecked'; code: FailureCode };

/** Whether the PFX step must wait or be fixed before Next: while the check runs, and while the file has a problem. */
export function pfxCheckBlocks(check: PfxCheck): boolean {
  return check.kind === 'checking' || (check.kind === 'checked' && check.inspection.problems.length > 0);
}

/** The problems of a checked file, as texts beside the field to change: the password, or the file itself. */
export function pfxProblemTexts(check: PfxCheck): { file: string[]; password: string[] } {
  const texts = { file: [] as string[], password: [] as string[] };
  if (check.kind !== 'checked') return texts;
  for (const { code } of check.inspection.problems) texts[passwordCodes.has(code) ? 'password' : 'file'].push(errorText(code));
  return texts;
}

/** Checks a chosen file before any upload: empty, or larger than the server accepts. Returns the problem or null. */
export function checkPfxFile(file: { name: string; size: number }, maxBytes: number | undefined): string | null {
  if (file.size === 0) return t('wizard.pfx.empty', { name: file.name });
  if (maxBytes !== undefined && file.size > maxBytes) {
    return t('wizard.pfx.tooLarge', { name: file.name, size: formatBytes(file.size), limit: formatBytes(maxBytes) });
  }
  return null;
}
