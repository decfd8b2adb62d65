import { QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { serializeError } from './error-serializer.js';

describe('serializeError', () => {
  it('keeps what identifies a failed statement and drops the values it was given', () => {
    const driverError = Object.assign(new Error('duplicate key value violates unique constraint "uq_thumbprint"'), {
      code: '23505',
      detail: 'Key (thumbprint)=(secret-value) already exists.',
      where: 'parameter $1 = secret-value',
    });
    const error = new QueryFailedError('INSERT INTO certificates (thumbprint) VALUES ($1)', ['secret-value'], driverError);

    const serialized = serializeError(error) as Record<string, unknown>;
    expect(JSON.stringify(serialized)).not.toContain('secret-value');
    expect(serialized).toMatchObject({ type: 'QueryFailedError', code: '23505', query: 'INSERT INTO certificates (thumbprint) VALUES ($1)' });
    expect(serialized.driverError).toMatchObject({ code: '23505' });
  });
});
