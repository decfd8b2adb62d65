import { errorCodes, errorMessages, operationErrorMessages } from '@bam/shared';
import { describe, expect, it } from 'vitest';
import schema from '../../../../server/schema.graphql?raw';
import { messagesEn } from './messages.en.js';
import { errorText, setMessages, t } from './translate.js';

describe('errorText', () => {
  it('has a plain-language text for every error code of the shared list', () => {
    for (const code of errorCodes) {
      const text = errorText(code);
      expect(text, code).toMatch(/^[A-Z“"].+\.$/);
      expect(text, code).not.toContain(code);
    }
  });

  it('covers every value of the ErrorCode enum in the committed schema', () => {
    const block = /enum ErrorCode \{([^}]*)\}/.exec(schema)?.[1] ?? '';
    const values = block
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => /^[A-Z_]+$/.test(line));
    expect(values.length).toBeGreaterThan(10);
    for (const code of values) expect(errorText(code), code).not.toContain(code);
  });

  it('uses the shared message unless the console words the code itself', () => {
    expect(errorText('CERTIFICATE_EXPIRED')).toBe(errorMessages.CERTIFICATE_EXPIRED);
    expect(errorText('PFX_WRONG_PASSWORD')).toBe(messagesEn.errors.PFX_WRONG_PASSWORD);
    expect(errorText('PFX_WRONG_PASSWORD')).toContain('still selected');
  });

  it("uses an operation's own words for a code where it has some", () => {
    expect(errorText('EVENT_NOT_FOUND', 'resendWebhookEvent')).toBe(operationErrorMessages.resendWebhookEvent.EVENT_NOT_FOUND);
    expect(errorText('WEBHOOK_ENDPOINT_DISABLED', 'resendWebhookEvent')).toBe(errorMessages.WEBHOOK_ENDPOINT_DISABLED);
  });

  it('says the server could not be reached for network failures, and names an unknown code', () => {
    expect(errorText('NETWORK')).toContain('could not be reached');
    expect(errorText('SOMETHING_NEW')).toContain('SOMETHING_NEW');
  });
});

describe('t', () => {
  it('fills placeholders and picks plural forms', () => {
    expect(t('organizations.count', { count: 1 })).toBe('1 organization');
    expect(t('organizations.count', { count: 3 })).toBe('3 organizations');
    expect(t('manager.title', { name: 'contoso' })).toBe('Backup Applications Manager — contoso');
  });

  it('switches to another catalog', () => {
    const german = structuredClone(messagesEn);
    german.common.cancel = 'Abbrechen';
    setMessages(german, 'de');
    try {
      expect(t('common.cancel')).toBe('Abbrechen');
    } finally {
      setMessages(messagesEn);
    }
    expect(t('common.cancel')).toBe('Cancel');
  });
});
