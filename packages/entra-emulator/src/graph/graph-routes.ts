import type { Directory } from '../directory/directory.js';
import { KeyCredentialError } from '../directory/key-credential.js';
import type { FaultPlan } from '../faults/fault-plan.js';
import type { EmulatorRequest, EmulatorResponse, Router } from '../http/router.js';
import type { AccessTokenSigner } from '../sts/access-token.js';
import { requestOrigin } from '../sts/sts.routes.js';
import { addApplicationRoutes } from './applications.routes.js';
import { authenticate, type GraphCaller } from './graph-caller.js';
import { GraphError, graphErrorResponse, graphErrors } from './graph-error.js';
import { addOrganizationRoutes } from './organization.routes.js';

export interface GraphDependencies {
  directory: Directory;
  faults: FaultPlan;
  signer: AccessTokenSigner;
}

/** What a Graph handler gets: the request, its authenticated caller and the service root URL. */
export interface GraphContext {
  request: EmulatorRequest;
  caller: GraphCaller;
  /** e.g. `https://localhost:4433/v1.0`, for `@odata.context` and `@odata.nextLink`. */
  serviceRoot: string;
}

export type GraphHandler = (context: GraphContext) => EmulatorResponse | Promise<EmulatorResponse>;

/** Adds a Graph v1.0 route: faults first, then the bearer token, then the handler; errors in Graph's shape. */
export type AddGraphRoute = (method: string, path: string, handler: GraphHandler) => void;

export function addGraphRoutes(router: Router, dependencies: GraphDependencies): void {
  const { directory, faults, signer } = dependencies;
  const add: AddGraphRoute = (method, path, handler) => {
    router.add(method, `/v1.0${path}`, async (request) => {
      const clientRequestId = request.headers['client-request-id'] as string | undefined;
      try {
        const fault = faults.take('graph', request.url.pathname);
        if (fault?.kind === 'throttle') throw graphErrors.throttled(fault.retryAfterSeconds);
        if (fault?.kind === 'serverError') throw graphErrors.serverError(fault.status);
        const caller = await authenticate(request, directory, signer);
        return await handler({ request, caller, serviceRoot: `${requestOrigin(request)}/v1.0` });
      } catch (error) {
        if (error instanceof GraphError) return graphErrorResponse(error, clientRequestId);
        if (error instanceof KeyCredentialError) return graphErrorResponse(graphErrors.badRequest(error.message), clientRequestId);
        throw error;
      }
    });
  };
  addApplicationRoutes(add, dependencies);
  addOrganizationRoutes(add);
}
