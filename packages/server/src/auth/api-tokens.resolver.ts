import { Arg, Authorized, Ctx, Field, ID, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { Role } from '../common/actor.js';
import type { Services } from '../domain-module.js';
import { MutationError, toPayload } from '../graphql/mutation-error.type.js';
import type { RequestContext } from '../graphql/request-context.js';
import { ApiToken } from './api-token.entity.js';
import type { ApiTokensService } from './api-tokens.service.js';

@InputType({ description: 'A new API token.' })
class CreateApiTokenInput {
  @Field(() => String, { description: 'What the token is for, 1 to 64 characters.' })
  name: string;

  @Field(() => Role, { description: 'What the token may do.' })
  role: Role;

  @Field(() => [ID], { nullable: true, description: 'Organizations the token is limited to; omit or null for all (administrators: always all).' })
  organizationIds?: string[] | null;

  @Field(() => Date, { description: 'When the token stops working: in the future, at most 366 days away.' })
  expiresAt: Date;
}

@ObjectType({ description: 'Result of createApiToken: the only time the secret is shown.' })
class CreateApiTokenPayload {
  @Field(() => ApiToken, { nullable: true, description: 'The token; null on failure.' })
  token: ApiToken | null;

  @Field(() => String, {
    nullable: true,
    description: 'The secret (`bam_…`) to send as `Authorization: Bearer <secret>`. Shown once; the server keeps only its hash.',
  })
  secret: string | null;

  @Field(() => [MutationError], { description: 'Why no token was created; empty on success.' })
  errors: MutationError[];
}

@InputType({ description: 'An API token to revoke.' })
class RevokeApiTokenInput {
  @Field(() => ID, { description: 'Id of the token.' })
  tokenId: string;
}

@ObjectType({ description: 'Result of revokeApiToken.' })
class RevokeApiTokenPayload {
  @Field(() => ApiToken, { nullable: true, description: 'The token, now revoked; null on failure.' })
  token: ApiToken | null;

  @Field(() => [MutationError], { description: 'Why nothing changed; empty on success.' })
  errors: MutationError[];
}

@Resolver()
export class ApiTokensResolver {
  private readonly tokens: ApiTokensService;

  constructor({ apiTokens }: Services) {
    this.tokens = apiTokens;
  }

  @Authorized(Role.ADMINISTRATOR)
  @Query(() => [ApiToken], { description: 'Every API token, newest first, without secrets. Administrators only.' })
  apiTokens(): Promise<ApiToken[]> {
    return this.tokens.list();
  }

  @Authorized(Role.ADMINISTRATOR)
  @Mutation(() => CreateApiTokenPayload, { description: 'Creates an API token for a script. Administrators only.' })
  createApiToken(
    @Arg('input', () => CreateApiTokenInput, { description: 'Name, role, organizations and expiry.' }) input: CreateApiTokenInput,
    @Ctx() { actor }: RequestContext,
  ): Promise<CreateApiTokenPayload> {
    return toPayload<Omit<CreateApiTokenPayload, 'errors'>>(
      () => this.tokens.create(actor, { ...input, organizationIds: input.organizationIds ?? null }),
      {
        token: null,
        secret: null,
      },
    );
  }

  @Authorized(Role.ADMINISTRATOR)
  @Mutation(() => RevokeApiTokenPayload, { description: 'Revokes an API token at once; WebSockets using it close (code 4401). Administrators only.' })
  revokeApiToken(
    @Arg('input', () => RevokeApiTokenInput, { description: 'The token to revoke.' }) input: RevokeApiTokenInput,
    @Ctx() { actor }: RequestContext,
  ): Promise<RevokeApiTokenPayload> {
    return toPayload<Omit<RevokeApiTokenPayload, 'errors'>>(async () => ({ token: await this.tokens.revoke(actor, input.tokenId) }), { token: null });
  }
}
