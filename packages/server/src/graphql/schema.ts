import { buildSchema, type ContainerType, type NonEmptyArray } from 'type-graphql';
import type { GraphQLSchema } from 'graphql';
import { BackupApplicationResolver } from '../applications/backup-application.resolver.js';
import { RemoveApplicationsResolver } from '../applications/remove-applications.mutation.js';
import { CertificateChangeResolver } from '../certificates/certificate-change.resolver.js';
import { CertificateStoreResolver } from '../certificates/certificate-store.resolver.js';
import { CertificateResolver } from '../certificates/certificate.resolver.js';
import { UpdateCertificateResolver } from '../certificates/update-certificate.mutation.js';
import { OrganizationResolver } from '../organizations/organization.resolver.js';
import type { Services } from '../services.js';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- type-graphql's own resolver list type
const resolverClasses: NonEmptyArray<Function> = [
  OrganizationResolver,
  BackupApplicationResolver,
  RemoveApplicationsResolver,
  CertificateResolver,
  CertificateChangeResolver,
  CertificateStoreResolver,
  UpdateCertificateResolver,
];

/** Resolvers get their services through their constructors; this hands type-graphql the instances. */
function resolverContainer(services: Services): ContainerType {
  const instances = [
    new OrganizationResolver(services.organizations),
    new BackupApplicationResolver(),
    new RemoveApplicationsResolver(services.applications),
    new CertificateResolver(),
    new CertificateChangeResolver(),
    new CertificateStoreResolver(services.certificateStore, services.limits),
    new UpdateCertificateResolver(services.certificateUpdates),
  ];
  return {
    get(resolverClass: unknown) {
      const instance = instances.find((candidate) => candidate.constructor === resolverClass);
      if (!instance) throw new Error(`No instance for resolver ${String(resolverClass)}`);
      return instance;
    },
  };
}

/** The executable API schema. Without services it can only be printed (see `schema.graphql`). */
export async function buildApiSchema(services?: Services): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: resolverClasses,
    ...(services ? { container: resolverContainer(services) } : {}),
    validate: false,
  });
  // type-graphql offers no option to describe the root types; the playground shows these first.
  const queryType = schema.getQueryType();
  if (queryType) queryType.description = 'Reads: organizations, their backup applications and certificates, and the certificate store.';
  const mutationType = schema.getMutationType();
  if (mutationType) mutationType.description = 'Changes. Each one is all or nothing: on any error it changes nothing and says why.';
  return schema;
}
