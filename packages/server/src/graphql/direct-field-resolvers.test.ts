import { CertificateStatus } from '@bam/shared';
import { isObjectType } from 'graphql';
import { getMetadataStorage } from 'type-graphql';
import { describe, expect, it } from 'vitest';
import { buildAppSchema } from '../app.js';
import type { Services } from '../domain-module.js';

const day = 24 * 60 * 60 * 1000;

describe('field resolvers called directly', () => {
  it('resolve a plain object root as type-graphql did, with the resolver instance and the context', async () => {
    const schema = await buildAppSchema({} as Services);
    const fields = (name: string) => {
      const type = schema.getType(name);
      if (!isObjectType(type)) throw new Error(`${name} is not an object type`);
      return type.getFields();
    };
    // A certificate as an event carries it: a plain object, not an entity instance.
    const plain = { id: 'c1', notBefore: new Date(Date.now() - day), notAfter: new Date(Date.now() + 365 * day) };
    expect(fields('Certificate').status!.resolve!(plain, {}, {}, {} as never)).toBe(CertificateStatus.VALID);

    const loaded = { id: 'c1' };
    const context = { loaders: { certificate: { load: async (id: string) => ({ ...loaded, id }) } } };
    const application = { id: 'a1', certificateId: 'c1' };
    await expect(fields('BackupApplication').certificate!.resolve!(application, {}, context, {} as never)).resolves.toEqual(loaded);
  });

  it('leave roots uncopied only for classes with no method or accessor a resolver could miss', async () => {
    await buildAppSchema({} as Services);
    const storage = getMetadataStorage();
    const withMembers = storage.objectTypes
      .map((type) => type.target)
      .filter((target) => Object.getOwnPropertyNames(target.prototype).some((name) => name !== 'constructor'))
      .map((target) => target.name);
    expect(withMembers).toEqual([]);
  });
});
