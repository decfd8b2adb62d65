import { Arg, Authorized, Ctx, Field, ID, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { Role } from '../common/actor.js';
import type { Services } from '../domain-module.js';
import { MutationError, toPayload } from '../graphql/mutation-error.type.js';
import type { RequestContext } from '../graphql/request-context.js';
import type { UserAccountsService } from './user-accounts.service.js';
import { User } from './user.entity.js';

@InputType({ description: 'A new account. It must change the password given here at its first sign-in.' })
class CreateUserInput {
  @Field(() => String, { description: 'Username: 1 to 64 letters, digits, dots, dashes, underscores or @ (stored lower case).' })
  username: string;

  @Field(() => String, { description: 'Temporary password, 12 to 256 characters.' })
  password: string;

  @Field(() => Role, { description: 'What the account may do.' })
  role: Role;

  @Field(() => [ID], { nullable: true, description: 'Organizations the account is limited to; omit or null for all (administrators: always all).' })
  organizationIds?: string[] | null;
}

@InputType({ description: 'Changes to an account; omitted fields stay as they are.' })
class UpdateUserInput {
  @Field(() => ID, { description: 'Id of the account.' })
  userId: string;

  @Field(() => Role, { nullable: true, description: 'New role.' })
  role?: Role | null;

  @Field(() => [ID], { nullable: true, description: 'Organizations the account is limited to; null: all. Omit to keep.' })
  organizationIds?: string[] | null;

  @Field(() => Boolean, { nullable: true, description: 'Disable (true: its sessions end and it cannot sign in) or enable the account.' })
  disabled?: boolean | null;

  @Field(() => String, { nullable: true, description: 'A new temporary password: the sessions end and the account must change it at sign-in.' })
  password?: string | null;
}

@ObjectType({ description: 'Result of createUser or updateUser.' })
class UserPayload {
  @Field(() => User, { nullable: true, description: 'The account as saved; null on failure.' })
  user: User | null;

  @Field(() => [MutationError], { description: 'Why nothing changed; empty on success.' })
  errors: MutationError[];
}

@Resolver()
export class UserAccountsResolver {
  private readonly accounts: UserAccountsService;

  constructor({ userAccounts }: Services) {
    this.accounts = userAccounts;
  }

  @Authorized(Role.ADMINISTRATOR)
  @Query(() => [User], { description: 'Every operator account, by username. Administrators only.' })
  users(): Promise<User[]> {
    return this.accounts.list();
  }

  @Authorized(Role.ADMINISTRATOR)
  @Mutation(() => UserPayload, { description: 'Creates an operator account. Administrators only.' })
  createUser(
    @Arg('input', () => CreateUserInput, { description: 'Username, temporary password, role and organizations.' }) input: CreateUserInput,
    @Ctx() { actor }: RequestContext,
  ): Promise<UserPayload> {
    return toPayload<Omit<UserPayload, 'errors'>>(
      async () => ({ user: await this.accounts.create(actor, { ...input, organizationIds: input.organizationIds ?? null }) }),
      {
        user: null,
      },
    );
  }

  @Authorized(Role.ADMINISTRATOR)
  @Mutation(() => UserPayload, { description: "Changes an account's role, organizations, state or password. Administrators only." })
  updateUser(
    @Arg('input', () => UpdateUserInput, { description: 'The account and what changes.' }) input: UpdateUserInput,
    @Ctx() { actor }: RequestContext,
  ): Promise<UserPayload> {
    const { userId, ...changes } = input;
    return toPayload<Omit<UserPayload, 'errors'>>(async () => ({ user: await this.accounts.update(actor, userId, changes) }), { user: null });
  }
}
