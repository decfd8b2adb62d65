import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@ObjectType({ description: 'An X.509 certificate held by this server, as applications use it and the certificate store lists it.' })
@Entity('certificates')
export class Certificate {
  @Field(() => ID, { description: 'Id of the certificate in this server.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => String, {
    description: 'SHA-1 thumbprint, upper-case hex without separators — what Entra (`customKeyIdentifier`) and Windows show.',
  })
  @Column('char', { name: 'thumbprint_sha1', length: 40, unique: true })
  thumbprint: string;

  @Field(() => String, { description: 'SHA-256 thumbprint, upper-case hex without separators.' })
  @Column('char', { name: 'thumbprint_sha256', length: 64 })
  thumbprintSha256: string;

  @Field(() => String, { description: 'Distinguished name of the subject, most specific part first (`CN=…, O=…`).' })
  @Column('text')
  subject: string;

  @Field(() => String, { description: 'Distinguished name of the issuer, most specific part first.' })
  @Column('text')
  issuer: string;

  @Field(() => String, { description: 'Common name of the subject ("Issued To"), or the whole subject when it has none.' })
  @Column('text', { name: 'issued_to' })
  issuedTo: string;

  @Field(() => String, { description: 'Common name of the issuer ("Issued By"), or the whole issuer when it has none.' })
  @Column('text', { name: 'issued_by' })
  issuedBy: string;

  @Field(() => String, { description: 'Serial number, upper-case hex.' })
  @Column('text', { name: 'serial_number' })
  serialNumber: string;

  @Field(() => Date, { description: 'Start of the validity period.' })
  @Column('timestamptz', { name: 'not_before' })
  notBefore: Date;

  @Field(() => Date, { description: 'End of the validity period: the certificate expires at this instant.' })
  @Column('timestamptz', { name: 'not_after' })
  notAfter: Date;

  @Field(() => String, { description: 'Public key algorithm: `RSA`, `EC`, …' })
  @Column('text', { name: 'key_algorithm' })
  keyAlgorithm: string;

  @Field(() => Int, { description: 'Public key size in bits (RSA modulus length, or the EC curve size).' })
  @Column('integer', { name: 'key_size' })
  keySize: number;

  /** DER encoding of the certificate. */
  @Column('bytea')
  der: Buffer;

  @Field(() => Date, { description: 'When the certificate entered this server.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
