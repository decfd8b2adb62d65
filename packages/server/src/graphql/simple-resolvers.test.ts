import { getMetadataStorage } from 'type-graphql';
import { describe, expect, it } from 'vitest';
import { buildAppSchema } from '../app.js';

describe('object types with simpleResolvers', () => {
  it('have no field with @Authorized or middleware, which type-graphql would skip without a word', async () => {
    await buildAppSchema();
    const storage = getMetadataStorage();
    const simpleTypes = new Set(storage.objectTypes.filter((type) => type.simpleResolvers).map((type) => type.target));
    expect(simpleTypes.size).toBeGreaterThan(0);
    const guarded = [...storage.authorizedFields, ...storage.middlewares].filter((field) => simpleTypes.has(field.target));
    expect(guarded.map((field) => `${field.target.name}.${field.fieldName}`)).toEqual([]);
  });
});
