import { readFileSync } from 'node:fs';
/**
 * What the console asks for, merged into one read: the inventory page (organizations.query.graphql)
 * with each organization's applications as the manager lists them (backup-application-row and
 * certificate-summary fragments).
 */
export const organizationsWithApplications = /* GraphQL */ `
  query OrganizationsWithApplications($first: Int) {
    organizations(first: $first) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          id
          name
          region
          tenantId
          certificateSummary {
            expiringSoon
            expired
          }
          backupApplications {
            id
            applicationId
            displayName
            addedAt
            certificate {
              id
              thumbprint
              issuedTo
              issuedBy
              notBefore
              notAfter
              status
            }
          }
        }
      }
    }
  }
`;

/** The inventory pane's query: the console's own operation file, so the bench measures what the console sends. */
export const inventoryQuery = readFileSync(new URL('../../packages/web/src/organizations/organizations.query.graphql', import.meta.url), 'utf8');

export const removeApplications = /* GraphQL */ `
  mutation RemoveApplications($input: RemoveApplicationsInput!) {
    removeApplications(input: $input) {
      removedApplications {
        id
      }
      errors {
        code
      }
    }
  }
`;

export const updateCertificate = /* GraphQL */ `
  mutation UpdateCertificate($input: UpdateCertificateInput!) {
    updateCertificate(input: $input) {
      applications {
        id
      }
      errors {
        code
      }
    }
  }
`;

export const generateCertificate = /* GraphQL */ `
  mutation GenerateCertificate($input: GenerateCertificateInput!) {
    generateCertificate(input: $input) {
      certificate {
        id
      }
      errors {
        code
      }
    }
  }
`;

export const importCertificate = /* GraphQL */ `
  mutation ImportCertificate($input: ImportCertificateInput!) {
    importCertificate(input: $input) {
      errors {
        code
      }
    }
  }
`;
