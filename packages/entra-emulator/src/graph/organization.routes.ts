import { permissions, requirePermission } from './graph-caller.js';
import type { AddGraphRoute } from './graph-routes.js';

/** `GET /organization`: the caller's own tenant, which the server reads when it onboards an organization. */
export function addOrganizationRoutes(add: AddGraphRoute): void {
  add('GET', '/organization', ({ caller, serviceRoot }) => {
    requirePermission(caller, permissions.readOrganization);
    const { tenant } = caller;
    return {
      status: 200,
      json: {
        '@odata.context': `${serviceRoot}/$metadata#organization`,
        value: [
          {
            id: tenant.id,
            displayName: tenant.displayName,
            countryLetterCode: tenant.countryLetterCode,
            createdDateTime: tenant.createdDateTime,
            tenantType: 'AAD',
            verifiedDomains: [
              { capabilities: 'Email, OfficeCommunicationsOnline', isDefault: true, isInitial: true, name: tenant.defaultDomain, type: 'Managed' },
            ],
          },
        ],
      },
    };
  });
}
