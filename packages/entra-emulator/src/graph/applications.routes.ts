import type { Application } from '../directory/directory.js';
import type { KeyCredentialInput } from '../directory/key-credential.js';
import { type EmulatorResponse, jsonBody } from '../http/router.js';
import { applicationJson, keyCredentialJson } from './application-json.js';
import { type GraphCaller, permissions, requirePermission } from './graph-caller.js';
import { graphErrors } from './graph-error.js';
import type { AddGraphRoute, GraphContext, GraphDependencies } from './graph-routes.js';
import { verifyKeyProof } from './key-proof.js';
import { parseApplicationQuery, parseSelect, skipToken } from './odata-query.js';

/** `/applications`: list with $filter/$select/$top paging, get, PATCH keyCredentials, addKey and removeKey. */
export function addApplicationRoutes(add: AddGraphRoute, { directory, faults }: GraphDependencies): void {
  const byId = (context: GraphContext) => {
    const id = context.request.params.id!;
    const application = directory.findById(context.caller.tenant, id);
    if (!application) throw graphErrors.notFound(id);
    return application;
  };
  const byAppId = (context: GraphContext) => {
    const appId = context.request.params.appId!;
    const application = directory.findByAppId(context.caller.tenant, appId);
    if (!application) throw graphErrors.notFound(appId);
    return application;
  };
  /** Both addressing forms Graph documents: `/applications/{id}` and `/applications(appId='{appId}')`. */
  const both = (
    method: string,
    suffix: string,
    handler: (context: GraphContext, application: Application) => EmulatorResponse | Promise<EmulatorResponse>,
  ) => {
    add(method, `/applications/:id${suffix}`, (context) => handler(context, byId(context)));
    add(method, `/applications(appId=':appId')${suffix}`, (context) => handler(context, byAppId(context)));
  };

  add('GET', '/applications', ({ request, caller, serviceRoot }) => {
    requirePermission(caller, permissions.readApplications);
    const query = parseApplicationQuery(request.url.searchParams);
    const matching = caller.tenant.applications.filter(query.filter);
    const page = matching.slice(query.offset, query.offset + query.top);
    const next = query.offset + query.top;
    const json: Record<string, unknown> = {
      '@odata.context': `${serviceRoot}/$metadata#applications${query.select ? `(${query.select.join(',')})` : ''}`,
      value: page.map((application) => applicationJson(application, query.select, false)),
    };
    if (next < matching.length) {
      const link = new URL(`${serviceRoot}/applications`);
      for (const name of ['$filter', '$select']) {
        const value = request.url.searchParams.get(name);
        if (value !== null) link.searchParams.set(name, value);
      }
      link.searchParams.set('$top', String(query.top));
      link.searchParams.set('$skiptoken', skipToken(next));
      json['@odata.nextLink'] = link.toString();
    }
    return { status: 200, json };
  });

  both('GET', '', ({ request, caller, serviceRoot }, application) => {
    requirePermission(caller, permissions.readApplications);
    const select = parseSelect(request.url.searchParams.get('$select'));
    return {
      status: 200,
      json: {
        '@odata.context': `${serviceRoot}/$metadata#applications${select ? `(${select.join(',')})` : ''}/$entity`,
        ...applicationJson(application, select, select?.includes('keyCredentials') ?? false),
      },
    };
  });

  both('PATCH', '', ({ request, caller }, application) => {
    requirePermission(caller, permissions.writeApplications);
    const body = jsonBody(request);
    if (!body) throw graphErrors.badRequest('The request body must be a JSON object.');
    for (const name of Object.keys(body)) {
      if (name !== 'keyCredentials' && name !== 'displayName') {
        throw graphErrors.badRequest(`Updating property '${name}' is not implemented by the Entra emulator: only keyCredentials and displayName.`);
      }
    }
    if (body.displayName !== undefined) {
      if (typeof body.displayName !== 'string' || body.displayName.trim() === '')
        throw graphErrors.badRequest("Invalid value specified for property 'displayName'.");
    }
    if (body.keyCredentials !== undefined) {
      // PATCH replaces the whole collection, so every entry must carry its certificate again.
      directory.replaceKeys(application, keyCredentialInputs(body.keyCredentials), Date.now() + faults.settings.keyReplicationDelayMs);
    }
    if (typeof body.displayName === 'string') application.displayName = body.displayName;
    return { status: 204 };
  });

  both('POST', '/addKey', async ({ request, caller, serviceRoot }, application) => {
    requireSelfOrWriter(caller, application);
    const body = jsonBody(request);
    if (!body) throw graphErrors.badRequest('The request body must be a JSON object.');
    if (body.passwordCredential !== undefined && body.passwordCredential !== null) {
      throw graphErrors.badRequest('passwordCredential must be null when adding an AsymmetricX509Cert key.');
    }
    const [input] = keyCredentialInputs([body.keyCredential]);
    if (!input!.type || !input!.usage) throw graphErrors.badRequest('keyCredential.type, keyCredential.usage and keyCredential.key are required.');
    await verifyKeyProof(body.proof, application);
    const key = directory.addKey(application, input!, Date.now() + faults.settings.keyReplicationDelayMs);
    return {
      status: 200,
      json: { '@odata.context': `${serviceRoot}/$metadata#microsoft.graph.keyCredential`, ...keyCredentialJson(key.credential, false) },
    };
  });

  both('POST', '/removeKey', async ({ request, caller }, application) => {
    requireSelfOrWriter(caller, application);
    const body = jsonBody(request);
    if (!body) throw graphErrors.badRequest('The request body must be a JSON object.');
    if (typeof body.keyId !== 'string') throw graphErrors.badRequest("The 'keyId' property is required.");
    await verifyKeyProof(body.proof, application);
    if (!directory.removeKey(application, body.keyId)) {
      throw graphErrors.badRequest(`No key credential with keyId '${body.keyId}' exists on the application.`);
    }
    return { status: 204 };
  });
}

/** "An application does not need any specific permission to roll its own keys." Others need write access. */
function requireSelfOrWriter(caller: GraphCaller, application: Application): void {
  if (caller.application.appId === application.appId) return;
  requirePermission(caller, permissions.writeApplications);
}

function keyCredentialInputs(value: unknown): KeyCredentialInput[] {
  if (!Array.isArray(value)) throw graphErrors.badRequest("Invalid value specified for property 'keyCredentials': an array is expected.");
  return value.map((item: unknown) => {
    const entry = item as Record<string, unknown> | null;
    if (typeof entry !== 'object' || entry === null) throw graphErrors.badRequest('A key credential must be a JSON object.');
    if (typeof entry.key !== 'string' || entry.key === '') {
      throw graphErrors.badRequest("Invalid value specified for property 'key' of resource 'KeyCredential': the base64 DER certificate is required.");
    }
    const optional = (name: string) => {
      const field = entry[name];
      if (field === undefined || field === null) return undefined;
      if (typeof field !== 'string') throw graphErrors.badRequest(`Invalid value specified for property '${name}' of resource 'KeyCredential'.`);
      return field;
    };
    return {
      key: entry.key,
      keyId: optional('keyId'),
      displayName: optional('displayName'),
      startDateTime: optional('startDateTime'),
      endDateTime: optional('endDateTime'),
      type: optional('type'),
      usage: optional('usage'),
    };
  });
}
