import type { IncomingMessage } from 'node:http';
import { ErrorCode, errorMessages } from '@bam/shared';
import { GraphQLError } from 'graphql';
import type { Context } from 'graphql-ws';
import type { Extra } from 'graphql-ws/use/ws';
import type { Actor } from '../common/actor.js';
import type { AuthenticationService, PresentedCredentials } from './authentication.service.js';
import { CREDENTIAL_ENDED_CLOSE_CODE, type CredentialSockets } from './credential-sockets.js';
import { readCookie, requestOrigin, SESSION_COOKIE } from './http-authentication.js';

/** Close code for a WebSocket whose `connection_init` brings no valid credential (graphql-ws' Unauthorized). */
export const UNAUTHENTICATED_CLOSE_CODE = 4401;
/** Close code for an account that must change its password first (graphql-ws' Forbidden). */
export const PASSWORD_CHANGE_REQUIRED_CLOSE_CODE = 4403;

type SocketContext = Context<Record<string, unknown> | undefined, Extra>;

interface Connection {
  presented: PresentedCredentials;
  actor: Actor;
}

/**
 * graphql-ws hooks: a socket authenticates once in `connection_init` — `{ authorization: 'Bearer …' }`
 * or the session cookie of the upgrade request — and its credential is checked again at every
 * operation. Ending the credential closes its sockets (see {@link CredentialSockets}).
 * `clientAddressOf` reads the upgrade request's client address as Express reads HTTP requests'.
 */
export function webSocketAuthentication(
  auth: AuthenticationService,
  sockets: CredentialSockets,
  clientAddressOf: (request: IncomingMessage) => string | undefined,
) {
  const connections = new WeakMap<object, Connection>();

  return {
    async onConnect(context: SocketContext): Promise<boolean> {
      const { socket, request } = context.extra;
      const authorization = context.connectionParams?.authorization;
      const presented: PresentedCredentials = {
        authorization: typeof authorization === 'string' ? authorization : null,
        sessionSecret: readCookie(request.headers.cookie, SESSION_COOKIE),
        origin: requestOrigin(request, clientAddressOf(request)),
      };
      const { actor, expiresAt, socketKeys } = await auth.authenticate(presented);
      // Closing here picks the code; returning false then makes graphql-ws stop without a second one.
      if (actor.role === null || !expiresAt) socket.close(UNAUTHENTICATED_CLOSE_CODE, 'Unauthorized');
      else if (actor.mustChangePassword) socket.close(PASSWORD_CHANGE_REQUIRED_CLOSE_CODE, 'Password change required');
      else {
        connections.set(socket, { presented, actor });
        socket.once('close', sockets.add(socketKeys, socket, expiresAt));
        return true;
      }
      return false;
    },

    /** The credential may have ended on another instance, or gone idle: check it again. */
    async onSubscribe(context: SocketContext): Promise<readonly GraphQLError[] | undefined> {
      const connection = connections.get(context.extra.socket);
      const { actor } = connection ? await auth.authenticate(connection.presented) : { actor: null };
      if (connection && actor?.role && !actor.mustChangePassword) {
        connection.actor = actor;
        return undefined;
      }
      context.extra.socket.close(CREDENTIAL_ENDED_CLOSE_CODE, 'Credential ended');
      return [new GraphQLError(errorMessages[ErrorCode.UNAUTHENTICATED], { extensions: { code: ErrorCode.UNAUTHENTICATED } })];
    },

    actorOf(context: SocketContext): Actor {
      const connection = connections.get(context.extra.socket);
      if (!connection) throw new Error('graphql-ws ran an operation before connection_init was accepted');
      return connection.actor;
    },
  };
}
