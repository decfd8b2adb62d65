import { describe, expect, it } from 'vitest';
import { ErrorCode } from './error-codes.js';
import { errorMessageIn, errorMessages, operationErrorMessages, type OperationWithOwnMessages } from './error-messages.js';

describe('operation messages', () => {
  it('word a code otherwise than its own text, or they would not be needed', () => {
    for (const [operation, messages] of Object.entries(operationErrorMessages)) {
      for (const [code, message] of Object.entries(messages)) {
        expect(message, `${operation} ${code}`).not.toBe(errorMessages[code as ErrorCode]);
        expect(errorMessageIn(operation as OperationWithOwnMessages, code as ErrorCode)).toBe(message);
      }
    }
  });

  it("fall back to the code's own text elsewhere in the operation", () => {
    expect(errorMessageIn('resendWebhookEvent', ErrorCode.WEBHOOK_ENDPOINT_DISABLED)).toBe(errorMessages.WEBHOOK_ENDPOINT_DISABLED);
    expect(errorMessageIn('resendWebhookEvent', ErrorCode.EVENT_NOT_FOUND)).not.toBe(errorMessages.EVENT_NOT_FOUND);
  });
});
