import { Field, Int, ObjectType } from 'type-graphql';
import type { CertificateCounts } from './organization.loaders.js';

// Lists return hundreds of these: plain fields skip type-graphql's per-field wrapper (see simple-resolvers.test.ts).
@ObjectType({ simpleResolvers: true, description: "Counts of an organization's backup applications by the state of their certificate." })
export class CertificateSummary implements CertificateCounts {
  @Field(() => Int, { description: 'Backup applications of the organization.' })
  applications: number;

  @Field(() => Int, { description: 'Applications with a certificate configured.' })
  configured: number;

  @Field(() => Int, { description: 'Applications without a certificate ("Not configured").' })
  notConfigured: number;

  @Field(() => Int, { description: 'Certificates valid for more than 30 days.' })
  valid: number;

  @Field(() => Int, { description: 'Certificates valid now that expire within 30 days.' })
  expiringSoon: number;

  @Field(() => Int, { description: 'Certificates past their expiry date.' })
  expired: number;

  @Field(() => Int, { description: 'Certificates whose validity period has not started yet.' })
  notYetValid: number;
}
