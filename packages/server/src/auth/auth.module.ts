import { Accounts1795737900000 } from '../database/migrations/1795737900000-accounts.js';
import { LimitsWithoutRemovedOrganizations1795738301000 } from './1795738301000-limits-without-removed-organizations.migration.js';
import type { DomainModule } from '../domain-module.js';
import { ApiToken } from './api-token.entity.js';
import { ApiTokensResolver } from './api-tokens.resolver.js';
import { ApiTokensService } from './api-tokens.service.js';
import { AuthenticationService } from './authentication.service.js';
import { PostgresCredentialEndBroadcast } from './credential-end-broadcast.js';
import { CredentialSockets } from './credential-sockets.js';
import type { SessionCookie } from './http-authentication.js';
import { SessionResolver } from './session.resolver.js';
import { Session } from './session.entity.js';
import { SignInThrottle } from './sign-in-throttle.js';
import { UserAccountsResolver } from './user-accounts.resolver.js';
import { UserAccountsService } from './user-accounts.service.js';
import { User } from './user.entity.js';

declare module '../domain-module.js' {
  interface Services {
    authentication: AuthenticationService;
    userAccounts: UserAccountsService;
    apiTokens: ApiTokensService;
    credentialSockets: CredentialSockets;
  }
}
declare module '../graphql/request-context.js' {
  interface RequestContext {
    /** Over HTTP: where signIn and signOut set and clear the session cookie. Absent over WebSocket. */
    sessionCookie?: SessionCookie;
  }
}

/** Operator accounts, sign-in sessions and API tokens: who the caller of every request is. */
export const authModule: DomainModule = {
  name: 'auth',
  entities: [User, Session, ApiToken],
  migrations: [Accounts1795737900000, LimitsWithoutRemovedOrganizations1795738301000],
  resolvers: [SessionResolver, UserAccountsResolver, ApiTokensResolver],
  async createServices({ dataSource, config, notifications, logger, services, onClose }) {
    const authLogger = logger.child({ component: 'auth' });
    // On PostgreSQL other instances may hold sockets of a credential that ends here; the embedded database has none.
    const credentialSockets = new CredentialSockets(notifications ? new PostgresCredentialEndBroadcast(dataSource, notifications, authLogger) : null);
    const authentication = new AuthenticationService(
      dataSource,
      services.audit,
      config.auth,
      new SignInThrottle(config.auth),
      credentialSockets,
      authLogger,
    );
    await credentialSockets.start((keys) => authentication.endedAmong(keys));
    onClose(() => credentialSockets.close());
    return {
      authentication,
      credentialSockets,
      userAccounts: new UserAccountsService(dataSource, services.audit, credentialSockets),
      apiTokens: new ApiTokensService(dataSource, services.audit, credentialSockets),
    };
  },
};
