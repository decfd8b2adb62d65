import { ErrorCode, errorCodeDescriptions } from '@bam/shared';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { DomainError } from '../common/domain-error.js';

registerEnumType(ErrorCode, {
  name: 'ErrorCode',
  description: 'Code of an expected failure. Clients switch on the code; the message is for people.',
  valuesConfig: Object.fromEntries(Object.entries(errorCodeDescriptions).map(([code, description]) => [code, { description }])),
});

@ObjectType({ description: 'Why a mutation changed nothing. A mutation with errors has made no change at all.' })
export class MutationError {
  @Field(() => ErrorCode, { description: 'What went wrong, as a stable code.' })
  code: ErrorCode;

  @Field(() => String, { description: 'Plain-language explanation for people.' })
  message: string;

  @Field(() => [ID], { description: 'The input ids the error concerns, when it concerns particular ones.' })
  ids: string[];

  static from(error: DomainError): MutationError {
    return Object.assign(new MutationError(), { code: error.code, message: error.message, ids: [...error.ids] });
  }
}

/** Runs a mutation's work; expected failures become the payload's `errors`, anything else propagates. */
export async function toPayload<Data extends object>(work: () => Promise<Data>, failure: Data): Promise<Data & { errors: MutationError[] }> {
  try {
    return { ...(await work()), errors: [] };
  } catch (error) {
    if (error instanceof DomainError) return { ...failure, errors: [MutationError.from(error)] };
    throw error;
  }
}
