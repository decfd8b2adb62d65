import { Arg, Authorized, Ctx, Field, FieldResolver, ID, InputType, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { AuditActorKind } from '../audit/audit-entry.entity.js';
import { type Actor, Role } from '../common/actor.js';
import type { Services } from '../domain-module.js';
import { SELF_SERVICE } from '../graphql/auth-checker.js';
import { MutationError, toPayload } from '../graphql/mutation-error.type.js';
import type { RequestContext } from '../graphql/request-context.js';
import type { CertificateEventFeedService } from '../events/certificate-event-feed.service.js';
import type { AuthenticationService } from './authentication.service.js';

@ObjectType({ description: 'The caller: a signed-in account or an API token.' })
class CurrentActor {
  @Field(() => AuditActorKind, { description: 'USER for a signed-in account, TOKEN for an API token.' })
  kind: AuditActorKind;

  @Field(() => String, { description: 'Username, or the name of the token.' })
  name: string;

  @Field(() => Role, { description: 'What the caller may do.' })
  role: Role;

  @Field(() => [ID], { nullable: true, description: 'Organizations the caller may see and act on; null: all of them.' })
  organizationIds: string[] | null;

  @Field(() => Boolean, { description: 'Whether the account must change its password before anything else.' })
  mustChangePassword: boolean;
}

function currentActor(actor: Actor): CurrentActor | null {
  if (actor.role === null) return null;
  return {
    kind: actor.kind as AuditActorKind,
    name: actor.name,
    role: actor.role,
    organizationIds: actor.organizationIds ? [...actor.organizationIds] : null,
    mustChangePassword: actor.mustChangePassword,
  };
}

@InputType({ description: 'Username and password of an account.' })
class SignInInput {
  @Field(() => String, { description: 'Username (not case-sensitive).' })
  username: string;

  @Field(() => String, { description: 'Password.' })
  password: string;
}

@ObjectType({ description: 'Result of signIn: the session cookie is set on success.' })
class SignInPayload {
  @Field(() => CurrentActor, { nullable: true, description: 'The signed-in account; null on failure.' })
  me: CurrentActor | null;

  @Field(() => [MutationError], { description: 'INVALID_CREDENTIALS or SIGN_IN_THROTTLED; empty on success.' })
  errors: MutationError[];
}

@ObjectType({ description: 'Result of signOut.' })
class SignOutPayload {
  @Field(() => Boolean, { description: 'Whether a session ended (false for API tokens, which have none).' })
  signedOut: boolean;

  @Field(() => [MutationError], { description: 'Always empty: signing out cannot fail.' })
  errors: MutationError[];
}

@InputType({ description: "The account's current password and the new one." })
class ChangePasswordInput {
  @Field(() => String, { description: 'The current (or one-time) password.' })
  currentPassword: string;

  @Field(() => String, { description: 'The new password: 12 to 256 characters, not the current one.' })
  newPassword: string;
}

@ObjectType({ description: 'Result of changePassword: on success, the account’s other sessions have ended.' })
class ChangePasswordPayload {
  @Field(() => CurrentActor, { nullable: true, description: 'The account, no longer required to change its password; null on failure.' })
  me: CurrentActor | null;

  @Field(() => [MutationError], { description: 'INVALID_CREDENTIALS, PASSWORD_TOO_WEAK, SIGN_IN_THROTTLED or FORBIDDEN (tokens); empty on success.' })
  errors: MutationError[];
}

@Resolver(() => CurrentActor)
export class SessionResolver {
  private readonly auth: AuthenticationService;
  private readonly certificateEvents: CertificateEventFeedService;

  constructor({ authentication, certificateEvents }: Services) {
    this.auth = authentication;
    this.certificateEvents = certificateEvents;
  }

  // Anonymous callers get null rather than an error: the console asks this to decide whether to show sign-in.
  @Query(() => CurrentActor, { nullable: true, description: 'The caller, or null when nobody is signed in. Needs no sign-in.' })
  me(@Ctx() { actor }: RequestContext): CurrentActor | null {
    return currentActor(actor);
  }

  @FieldResolver(() => ID, {
    nullable: true,
    description:
      'Id of the newest certificate event the caller may see; null while there is none, and while the password must change. Read it with the data a client shows and pass it as `after` to its first `certificateEvents` subscription: what is recorded after those reads is then delivered, even what came before the subscription started.',
  })
  latestCertificateEventId(@Root() caller: CurrentActor): Promise<string | null> | null {
    return caller.mustChangePassword ? null : this.certificateEvents.newestEventId(caller.organizationIds);
  }

  @Mutation(() => SignInPayload, {
    description: 'Signs in with a username and password: sets an HttpOnly, SameSite=Strict session cookie. The one operation that needs no sign-in.',
  })
  signIn(
    @Arg('input', () => SignInInput, { description: 'Username and password.' }) input: SignInInput,
    @Ctx() { actor, sessionCookie }: RequestContext,
  ): Promise<SignInPayload> {
    return toPayload<Omit<SignInPayload, 'errors'>>(
      async () => {
        const signedIn = await this.auth.signIn(input.username, input.password, actor.origin);
        sessionCookie?.set(signedIn.secret, signedIn.maxAgeSeconds);
        return { me: currentActor(signedIn.actor) };
      },
      { me: null },
    );
  }

  @Authorized(SELF_SERVICE)
  @Mutation(() => SignOutPayload, { description: 'Ends the current session and clears its cookie; its WebSockets close.' })
  async signOut(@Ctx() { actor, sessionCookie }: RequestContext): Promise<SignOutPayload> {
    await this.auth.signOut(actor);
    sessionCookie?.clear();
    return { signedOut: actor.sessionId !== null, errors: [] };
  }

  @Authorized(SELF_SERVICE)
  @Mutation(() => ChangePasswordPayload, { description: "Changes the signed-in account's own password; its other sessions end." })
  changePassword(
    @Arg('input', () => ChangePasswordInput, { description: 'Current and new password.' }) input: ChangePasswordInput,
    @Ctx() { actor }: RequestContext,
  ): Promise<ChangePasswordPayload> {
    return toPayload<Omit<ChangePasswordPayload, 'errors'>>(
      async () => {
        await this.auth.changePassword(actor, input.currentPassword, input.newPassword);
        return { me: currentActor({ ...actor, mustChangePassword: false }) };
      },
      { me: null },
    );
  }
}
