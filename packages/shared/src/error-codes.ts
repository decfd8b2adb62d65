/**
 * Every expected failure the API can report, with what it means (the GraphQL enum's documentation).
 * The code is both the GraphQL enum value and the string the client switches on.
 */
export const errorCodeDescriptions = {
  ORGANIZATION_NOT_FOUND: 'The request names an organization that does not exist.',
  INVALID_CURSOR: 'A pagination cursor was not issued by this server.',
  INVALID_PAGE_SIZE: 'A page size is outside the allowed range.',
  EVENT_NOT_FOUND:
    "The event named is not in the event log, or not among the events the caller may see (the id is wrong, the event was never recorded here, or it concerns an organization outside the caller's limit or the certificate store).",
  EVENT_SUBSCRIBER_BEHIND:
    'A subscriber read events more slowly than they came and the subscription ended; resubscribe with `after` set to the last event received.',
  INVALID_INPUT: 'A text argument holds a character the server cannot store (U+0000, the NUL character).',
  APPLICATION_SELECTION_EMPTY: 'A mutation on applications was given no application at all.',
  APPLICATION_SELECTION_DUPLICATE: 'The same application appears more than once in one request.',
  APPLICATION_NOT_FOUND: 'No backup application with that application (client) id exists.',
  APPLICATION_IN_OTHER_ORGANIZATION:
    'The application exists, but in another organization than the one named (one the caller may see: for an account limited to some organizations, an application of any other is APPLICATION_NOT_FOUND).',
  PFX_EMPTY: 'The PFX file is empty.',
  PFX_TOO_LARGE: 'The PFX file is larger than the configured limit.',
  PFX_IS_PEM: 'The file is a PEM (text) file, not a PFX.',
  PFX_TRUNCATED: 'The file ends early: it was cut off while copying or downloading.',
  PFX_NOT_PKCS12: 'The file is not a PKCS#12 (PFX) file at all.',
  PFX_PASSWORD_REQUIRED: 'The PFX file is protected by a password and none was given.',
  PFX_WRONG_PASSWORD: 'The password does not open the PFX file.',
  PFX_UNSUPPORTED_ALGORITHM: 'The PFX file uses an encryption or integrity algorithm this server does not support.',
  PFX_NO_CERTIFICATE: 'The PFX file holds no certificate.',
  PFX_MULTIPLE_KEYS: 'The PFX file holds more than one private key; which one to use is ambiguous.',
  PFX_TOO_COMPLEX:
    'The PFX file has more entries or asks for more key-derivation iterations in total than this server reads from one file; it was refused before any decryption.',
  CERTIFICATE_NO_PRIVATE_KEY: 'The PFX file holds no private key (a certificate alone cannot sign in).',
  CERTIFICATE_KEY_MISMATCH: 'The private key in the file does not belong to its certificate.',
  CERTIFICATE_KEY_NOT_RSA: 'The key is not RSA; Entra signs client assertions with RSA keys only.',
  CERTIFICATE_KEY_TOO_SMALL: 'The RSA key is shorter than 2048 bits.',
  CERTIFICATE_EXPIRED: 'The certificate has expired.',
  CERTIFICATE_NOT_YET_VALID: "The certificate's validity period has not started yet.",
  CERTIFICATE_KEY_NOT_EXPORTABLE: "The certificate's private key is marked not exportable.",
  CERTIFICATE_NOT_IN_PERSONAL_STORE: 'The certificate is a chain (intermediate or root) certificate, not in the Personal store.',
  STORE_CERTIFICATE_NOT_FOUND: 'No certificate with that id in the certificate store.',
  STORE_CERTIFICATE_IN_USE: 'The store certificate is used by an application and cannot be removed; `ids` names the applications the caller may see.',
  STORE_CERTIFICATE_MANAGES_ORGANIZATION:
    "The store certificate is an organization's Entra management certificate (the server signs in to the tenant with it) and cannot be removed; `ids` names the organizations the caller may see.",
  STORE_CERTIFICATE_EXISTS: 'The certificate (same thumbprint) is already in the store.',
  CERTIFICATE_SOURCE_INVALID: 'An update names neither or both of a store certificate and a PFX file.',
  CERTIFICATE_CONFLICT: "The application's certificate changed since the client read it.",
  GENERATE_INVALID_SUBJECT: 'A certificate to generate has an empty or invalid subject name.',
  GENERATE_INVALID_VALIDITY: 'A certificate to generate has an invalid validity period.',
  GENERATE_INVALID_KEY_SIZE: 'A certificate to generate has an unsupported key size.',
  UPLOAD_INVALID: 'The upload was malformed or carried more than one file.',
  SERVER_BUSY: 'The server is already reading as many PFX files as it queues; the request was not attempted and may be retried.',
  BAD_REQUEST: 'The HTTP request could not be read: a malformed JSON body, or a URL that cannot be decoded.',
  REQUEST_TOO_LARGE: 'The HTTP request body is larger than the server reads (1 MiB for a JSON body); `maxBytes` gives the limit in bytes.',
  QUERY_TOO_COMPLEX:
    'The operation asks for too much at once: too deep, too costly, too many aliases or directives, it comes back to a type it already passed through, or it repeats a mutation allowed once per request.',
  QUERY_TOO_LARGE: 'The operation document has more tokens than the server reads.',
  SUBSCRIPTION_OVER_HTTP: 'A subscription was sent over HTTP: subscriptions are served over WebSocket only (graphql-ws on `/graphql`).',
  ORGANIZATION_EXISTS: 'The organization (same tenant or primary domain) is already known to this server.',
  ORGANIZATION_NOT_CONNECTED: 'The organization has no Microsoft Entra connection, so the server cannot call Entra for it.',
  APPLICATION_EXISTS: 'The application is already in the backup configuration.',
  APPLICATION_IS_MANAGEMENT_APPLICATION:
    "The application is an organization's Entra management application (the server signs in to the tenant with it), so it cannot be a backup application: addApplications and updateCertificate refuse it, and updateOrganizationConnection refuses to switch to a management application that is a backup application (of any organization: an application id is the same Entra application everywhere); `ids` names the application.",
  ENTRA_TENANT_NOT_FOUND: 'Microsoft Entra knows no tenant with that primary domain or id (AADSTS90002).',
  ENTRA_SIGN_IN_REFUSED: "Microsoft Entra refused the sign-in; `ids` carries the application id and Entra's AADSTS code.",
  ENTRA_PERMISSION_MISSING: 'The management application lacks a Microsoft Graph application permission (named in `ids`), or its admin consent.',
  ENTRA_APPLICATION_NOT_FOUND: "No application with that application (client) id exists in the organization's Entra tenant.",
  ENTRA_THROTTLED: 'Microsoft Graph or Entra kept throttling the server (429) beyond the configured retries or Retry-After limit.',
  ENTRA_UNAVAILABLE: 'Microsoft Graph or Entra did not answer in time, or answered with a server error.',
  ENTRA_REQUEST_FAILED: "Microsoft Graph refused a request; `ids` carries Graph's error code.",
  ROTATION_REGISTRATION_FAILED:
    "Registering the new certificate on the Entra application failed; the old configuration is kept and `ids` names the application and Entra's code.",
  ROTATION_PROOF_FAILED:
    "The application could not sign in with the new certificate in time; the new key was withdrawn, the old configuration kept, and `ids` names the application and Entra's code.",
  OPERATION_ID_INVALID: 'An `operationId` (of `updateCertificate` or `certificateRotationProgress`) is not a UUID; `ids` carries the value given.',
  ROTATION_IN_PROGRESS:
    'Another certificate rotation of the application has not finished yet; for removeStoreCertificate, a rotation to or from the certificate has not; for removeApplications, a rotation of the application has not; for updateOrganizationConnection, a rotation in the organization is under way (`ids` = the organization) — the server finishes or rolls it back, retrying in the background while Entra cannot be reached (`ids` names the applications the caller may see).',
  UNAUTHENTICATED: 'The request carries no valid session or API token: sign in, or send `Authorization: Bearer <token>`.',
  FORBIDDEN: "The caller's role does not allow this operation.",
  PASSWORD_CHANGE_REQUIRED: 'The account must change its password before doing anything else (only me, changePassword and signOut answer).',
  INVALID_CREDENTIALS: 'The username or password is wrong, or the account is disabled. Which one is not told.',
  SIGN_IN_THROTTLED: 'Too many failed sign-ins for this username or from this address; sign-in is refused for a while.',
  PASSWORD_TOO_WEAK: 'A new password is shorter than 12 characters, longer than 256, or the same as the current one.',
  USERNAME_INVALID: 'A username is not 1 to 64 letters, digits, dots, dashes, underscores or @.',
  USERNAME_TAKEN: 'Another account already has that username.',
  USER_NOT_FOUND: 'No account with that id.',
  USER_SELF_LOCKOUT: 'Administrators cannot disable their own account or take away their own administrator role.',
  LAST_ADMINISTRATOR:
    'The change would leave no active (not disabled) administrator account; changes made at the same time are decided one after the other.',
  API_TOKEN_INVALID: 'An API token needs a name of 1 to 64 characters and an expiry in the future, at most 366 days away.',
  API_TOKEN_NOT_FOUND: 'No API token with that id.',
  WEBHOOK_URL_INVALID: 'A webhook URL is not an absolute http:// or https:// URL of at most 2,048 characters.',
  WEBHOOK_URL_NOT_HTTPS:
    'A webhook URL uses plain HTTP for a host other than the loopback (localhost, 127.0.0.0/8, ::1): only HTTPS is allowed there.',
  WEBHOOK_URL_HAS_CREDENTIALS: 'A webhook URL carries a user name or password; deliveries are authenticated by their signature instead.',
  WEBHOOK_ENDPOINT_INVALID: 'A webhook endpoint needs at least one event type, and a description of at most 200 characters.',
  WEBHOOK_ENDPOINT_NOT_FOUND: 'No webhook endpoint with that id.',
  WEBHOOK_ENDPOINT_DISABLED: 'The webhook endpoint is disabled: enable it before re-sending to it.',
  WEBHOOK_EVENT_NOT_SUBSCRIBED:
    "The event's type, or its organization (none for certificate store events), is outside the webhook endpoint's filters: it is not re-sent there.",
  ADMINISTRATOR_SCOPE_INVALID: 'Administrators act on every organization: they cannot be limited to some.',
  SERVER_SHUTTING_DOWN:
    'The server instance is stopping: it finishes the operations under way but accepts no new ones. Nothing was done; retry (a load balancer sends it to another instance).',
  INTERNAL_ERROR: 'An unexpected server failure; details are in the server log, never in the response.',
} as const satisfies Record<string, string>;

export type ErrorCode = keyof typeof errorCodeDescriptions;

export const errorCodes = Object.keys(errorCodeDescriptions) as ErrorCode[];

/** `ErrorCode.PFX_WRONG_PASSWORD === 'PFX_WRONG_PASSWORD'`: named constants for code that raises or matches codes. */
export const ErrorCode = Object.fromEntries(errorCodes.map((code) => [code, code])) as { readonly [Code in ErrorCode]: Code };

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCodeDescriptions, value);
}
