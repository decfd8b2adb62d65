import { errorCodes } from '@bam/shared';
import { describe, expect, it } from 'vitest';
import { errorText } from '../../common/i18n/translate.js';
import { checkPfxFile, type PfxCheck, pfxCheckBlocks, pfxProblemTexts, wizardStepForError, wizardSteps } from './wizard-flow.js';

describe('wizardSteps', () => {
  it('has the source choice, the chosen source and the summary', () => {
    expect(wizardSteps('store')).toEqual(['source', 'store', 'summary']);
    expect(wizardSteps('pfx')).toEqual(['source', 'pfx', 'summary']);
  });
});

describe('wizardStepForError', () => {
  it('sends a wrong or missing password back to the password field, keeping the PFX step', () => {
    expect(wizardStepForError('PFX_WRONG_PASSWORD', 'pfx')).toEqual({ step: 'pfx', target: 'password' });
    expect(wizardStepForError('PFX_PASSWORD_REQUIRED', 'pfx')).toEqual({ step: 'pfx', target: 'password' });
  });

  it.each([
    'PFX_EMPTY',
    'PFX_IS_PEM',
    'PFX_TRUNCATED',
    'PFX_NOT_PKCS12',
    'PFX_TOO_LARGE',
    'PFX_TOO_COMPLEX',
    'CERTIFICATE_NO_PRIVATE_KEY',
    'CERTIFICATE_KEY_NOT_RSA',
    'CERTIFICATE_EXPIRED',
  ] as const)('sends %s back to the file choice', (code) => {
    expect(wizardStepForError(code, 'pfx')).toEqual({ step: 'pfx', target: 'file' });
  });

  it.each(['CERTIFICATE_EXPIRED', 'CERTIFICATE_KEY_NOT_EXPORTABLE', 'CERTIFICATE_NOT_IN_PERSONAL_STORE', 'STORE_CERTIFICATE_NOT_FOUND'] as const)(
    'sends %s from the store back to the store list',
    (code) => {
      expect(wizardStepForError(code, 'store')).toEqual({ step: 'store', target: 'certificate' });
    },
  );

  it.each(['CERTIFICATE_CONFLICT', 'APPLICATION_NOT_FOUND', 'ORGANIZATION_NOT_FOUND', 'INTERNAL_ERROR', 'SERVER_BUSY', 'NETWORK'] as const)(
    'keeps %s on the summary, where Finish can be tried again',
    (code) => {
      expect(wizardStepForError(code, 'store')).toEqual({ step: 'summary', target: 'request' });
      expect(wizardStepForError(code, 'pfx')).toEqual({ step: 'summary', target: 'request' });
    },
  );

  it('places every error code somewhere', () => {
    for (const code of errorCodes) {
      for (const source of ['store', 'pfx'] as const) expect(['source', 'store', 'pfx', 'summary']).toContain(wizardStepForError(code, source).step);
    }
  });
});

describe('checkPfxFile', () => {
  it('refuses an empty file and a file over the server limit, naming sizes people read', () => {
    expect(checkPfxFile({ name: 'empty.pfx', size: 0 }, 1024)).toContain('empty.pfx');
    expect(checkPfxFile({ name: 'big.pfx', size: 2 * 1024 * 1024 }, 1024 * 1024)).toBe(
      '“big.pfx” is 2 MB; this server accepts PFX files up to 1 MB. Check that you chose the right file.',
    );
  });

  it('accepts a file at the limit, as the server does, and any size while the limit is unknown', () => {
    expect(checkPfxFile({ name: 'ok.pfx', size: 1024 }, 1024)).toBeNull();
    expect(checkPfxFile({ name: 'big.pfx', size: 1025 }, 1024)).toContain('big.pfx');
    expect(checkPfxFile({ name: 'ok.pfx', size: 50_000_000 }, undefined)).toBeNull();
  });
});

describe('the check of a chosen PFX file', () => {
  const checked = (...codes: string[]): PfxCheck => ({
    kind: 'checked',
    inspection: { certificate: null, storeCertificate: null, problems: codes.map((code) => ({ code: code as never })) },
  });

  it('holds Next while the server reads the file and while the file has a problem', () => {
    expect(pfxCheckBlocks({ kind: 'checking' })).toBe(true);
    expect(pfxCheckBlocks(checked('CERTIFICATE_EXPIRED'))).toBe(true);
    expect(pfxCheckBlocks(checked())).toBe(false);
    expect(pfxCheckBlocks({ kind: 'idle' })).toBe(false);
  });

  it('lets the administrator go on when the server could not check the file: Finish checks it again', () => {
    expect(pfxCheckBlocks({ kind: 'unchecked', code: 'SERVER_BUSY' })).toBe(false);
    expect(pfxCheckBlocks({ kind: 'unchecked', code: 'NETWORK' })).toBe(false);
  });

  it('puts a password problem beside the password and every other problem beside the file', () => {
    expect(pfxProblemTexts(checked('PFX_WRONG_PASSWORD'))).toEqual({ file: [], password: [errorText('PFX_WRONG_PASSWORD')] });
    expect(pfxProblemTexts(checked('CERTIFICATE_KEY_TOO_SMALL', 'CERTIFICATE_EXPIRED'))).toEqual({
      file: [errorText('CERTIFICATE_KEY_TOO_SMALL'), errorText('CERTIFICATE_EXPIRED')],
      password: [],
    });
    expect(pfxProblemTexts({ kind: 'checking' })).toEqual({ file: [], password: [] });
  });
});
