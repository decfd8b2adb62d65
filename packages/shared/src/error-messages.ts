import { ErrorCode } from './error-codes.js';
import { GRAPHQL_REQUEST_MAX_BYTES } from './limits.js';

/**
 * Plain-language English text for every error code: the server's `message` and the console's
 * default wording both come from here, so there is one place to translate.
 */
export const errorMessages: Record<ErrorCode, string> = {
  [ErrorCode.ORGANIZATION_NOT_FOUND]: 'The organization does not exist. It may have been removed; refresh the list.',
  [ErrorCode.INVALID_CURSOR]: 'The page cursor is not valid. Start again from the first page.',
  [ErrorCode.EVENT_NOT_FOUND]: 'The event to resume after is not known. Subscribe again without it, or list the past events first.',
  [ErrorCode.EVENT_SUBSCRIBER_BEHIND]:
    'Events came faster than they were read, so the live feed stopped. Reconnect to resume after the last event received.',
  [ErrorCode.INVALID_PAGE_SIZE]: 'The page size must be between 1 and 100.',
  [ErrorCode.INVALID_INPUT]: 'The text contains a character that is not allowed (a NUL character). Remove it and try again.',
  [ErrorCode.APPLICATION_SELECTION_EMPTY]: 'Select at least one application.',
  [ErrorCode.APPLICATION_SELECTION_DUPLICATE]: 'An application is listed more than once. List each application once.',
  [ErrorCode.APPLICATION_NOT_FOUND]: 'An application is not in the backup configuration. It may have been removed already; refresh the list.',
  [ErrorCode.APPLICATION_IN_OTHER_ORGANIZATION]: 'An application belongs to another organization than the one selected.',
  [ErrorCode.PFX_EMPTY]: 'The file is empty. Choose the PFX file exported with the certificate and its private key.',
  [ErrorCode.PFX_TOO_LARGE]: 'The file is too large to be a PFX certificate file. Check that you chose the right file.',
  [ErrorCode.PFX_IS_PEM]:
    'This is a PEM (text) file, not a PFX file. Export the certificate with its private key as PFX (.pfx or .p12), for example with "openssl pkcs12 -export".',
  [ErrorCode.PFX_TRUNCATED]: 'The file is incomplete: it ends early. Copy or download it again.',
  [ErrorCode.PFX_NOT_PKCS12]: 'The file is not a PFX (PKCS#12) certificate file. Choose a .pfx or .p12 file.',
  [ErrorCode.PFX_PASSWORD_REQUIRED]: 'The PFX file is protected by a password. Enter its password.',
  [ErrorCode.PFX_WRONG_PASSWORD]: 'The password is not correct for this PFX file. Check it and try again.',
  [ErrorCode.PFX_UNSUPPORTED_ALGORITHM]:
    'The PFX file is protected with an algorithm this server does not support. Export it again with AES-256 (the OpenSSL 3 default) or 3DES.',
  [ErrorCode.PFX_NO_CERTIFICATE]: 'The PFX file holds no certificate.',
  [ErrorCode.PFX_MULTIPLE_KEYS]: 'The PFX file holds more than one private key. Export only the certificate you want to use, with its key.',
  [ErrorCode.PFX_TOO_COMPLEX]:
    'The PFX file is built in an unusually complex way (too many entries or too much password protection) and was not read. Export the certificate again with the default settings of your tool.',
  [ErrorCode.CERTIFICATE_NO_PRIVATE_KEY]: 'The certificate has no private key. Export it again with its private key ("Yes, export the private key").',
  [ErrorCode.CERTIFICATE_KEY_MISMATCH]: 'The private key does not belong to the certificate. Export the certificate together with its own key.',
  [ErrorCode.CERTIFICATE_KEY_NOT_RSA]: 'The certificate key is not an RSA key. Microsoft Entra applications need an RSA key.',
  [ErrorCode.CERTIFICATE_KEY_TOO_SMALL]: 'The RSA key is shorter than 2048 bits. Use a certificate with a key of 2048 bits or more.',
  [ErrorCode.CERTIFICATE_EXPIRED]: 'The certificate has expired. Use a certificate that is valid now.',
  [ErrorCode.CERTIFICATE_NOT_YET_VALID]: 'The certificate is not valid yet. Use a certificate whose validity period has started.',
  [ErrorCode.CERTIFICATE_KEY_NOT_EXPORTABLE]:
    'The private key of this certificate is not exportable. Import the certificate again and mark its key as exportable.',
  [ErrorCode.CERTIFICATE_NOT_IN_PERSONAL_STORE]: 'This is a chain (intermediate or root) certificate. Choose a certificate from the Personal store.',
  [ErrorCode.STORE_CERTIFICATE_NOT_FOUND]: 'The certificate is not in the certificate store. It may have been removed; refresh the list.',
  [ErrorCode.STORE_CERTIFICATE_IN_USE]: 'The certificate is used by an application. Give those applications another certificate first.',
  [ErrorCode.STORE_CERTIFICATE_MANAGES_ORGANIZATION]:
    'The certificate is the management certificate of an organization: the server signs in to its Microsoft Entra tenant with it. It cannot be removed while the organization uses it: give the organization another management certificate first.',
  [ErrorCode.STORE_CERTIFICATE_EXISTS]: 'This certificate is already in the certificate store.',
  [ErrorCode.CERTIFICATE_SOURCE_INVALID]: 'Choose one source for the certificate: a certificate from the store, or a PFX file.',
  [ErrorCode.CERTIFICATE_CONFLICT]:
    "An application's certificate was changed by someone else since you loaded it. Review the current certificate and try again.",
  [ErrorCode.GENERATE_INVALID_SUBJECT]: 'Enter a subject name (1 to 64 characters, no control characters).',
  [ErrorCode.GENERATE_INVALID_VALIDITY]: 'The validity period must start before it ends, end in the future, and last at most 10 years.',
  [ErrorCode.GENERATE_INVALID_KEY_SIZE]: 'The key size must be 2048, 3072 or 4096 bits.',
  [ErrorCode.UPLOAD_INVALID]: 'The upload was not understood. Send one PFX file per request.',
  [ErrorCode.SERVER_BUSY]: 'The server is busy reading other certificate files. Try again in a moment.',
  [ErrorCode.BAD_REQUEST]: 'The request was not understood. Send well-formed JSON to a valid address.',
  [ErrorCode.REQUEST_TOO_LARGE]: `The request is larger than the ${GRAPHQL_REQUEST_MAX_BYTES / 1024 / 1024} MiB this server accepts. Split it into several smaller requests.`,
  [ErrorCode.QUERY_TOO_COMPLEX]: 'The request asks for too much at once. Ask for fewer levels, fields or aliases, or split it into several requests.',
  [ErrorCode.QUERY_TOO_LARGE]: 'The request is too long for this server. Split it into several smaller requests.',
  [ErrorCode.SUBSCRIPTION_OVER_HTTP]:
    'Subscriptions are served over WebSocket only. Open a WebSocket to /graphql with the graphql-ws protocol to receive live updates.',
  [ErrorCode.ORGANIZATION_EXISTS]: 'This organization is already on this server.',
  [ErrorCode.ORGANIZATION_NOT_CONNECTED]:
    'This organization is not connected to Microsoft Entra. Add it again with its management application and certificate to act on Entra.',
  [ErrorCode.APPLICATION_EXISTS]: 'An application is already in the backup configuration. Refresh the list.',
  [ErrorCode.APPLICATION_IS_MANAGEMENT_APPLICATION]:
    'An application is the management application of an organization: the server signs in to its Microsoft Entra tenant with it, so it cannot be a backup application — changing its certificate would lock the server out of the tenant. Nothing was changed.',
  [ErrorCode.ENTRA_TENANT_NOT_FOUND]: 'Microsoft Entra does not know this tenant. Check the primary domain or tenant id, and the cloud.',
  [ErrorCode.ENTRA_SIGN_IN_REFUSED]:
    "Microsoft Entra refused the sign-in. Check the application id and that its certificate is registered on the application; Entra's code is given with the error.",
  [ErrorCode.ENTRA_PERMISSION_MISSING]:
    'The management application lacks a Microsoft Graph permission (named with the error). Grant it and its admin consent in the Entra portal, then try again.',
  [ErrorCode.ENTRA_APPLICATION_NOT_FOUND]:
    "An application does not exist in the organization's Microsoft Entra tenant. It may have been deleted there; refresh the list.",
  [ErrorCode.ENTRA_THROTTLED]: 'Microsoft Entra is throttling requests right now. Nothing was changed; try again in a few minutes.',
  [ErrorCode.ENTRA_UNAVAILABLE]: 'Microsoft Entra could not be reached or did not answer in time. Nothing was changed; try again later.',
  [ErrorCode.ENTRA_REQUEST_FAILED]: 'Microsoft Entra refused the request (its code is given with the error). Nothing was changed.',
  [ErrorCode.ROTATION_REGISTRATION_FAILED]:
    "The new certificate could not be registered on the Entra application. The application keeps its current certificate; Entra's code is given with the error.",
  [ErrorCode.ROTATION_PROOF_FAILED]:
    "The application could not sign in to Microsoft Entra with the new certificate, so nothing was switched. The application keeps its current certificate; Entra's code is given with the error.",
  [ErrorCode.OPERATION_ID_INVALID]:
    'The operation id is not a UUID. Choose a new one for each update (for example with crypto.randomUUID()), or leave it out.',
  [ErrorCode.ROTATION_IN_PROGRESS]: 'A certificate change of this application is still in progress. Wait a moment, then refresh and try again.',
  [ErrorCode.UNAUTHENTICATED]: 'You are not signed in, or your session has ended. Sign in again.',
  [ErrorCode.FORBIDDEN]: 'Your role does not allow this. Ask an administrator.',
  [ErrorCode.PASSWORD_CHANGE_REQUIRED]: 'Change your password before you continue.',
  [ErrorCode.INVALID_CREDENTIALS]: 'The username or password is not correct.',
  [ErrorCode.SIGN_IN_THROTTLED]: 'Too many failed sign-ins. Wait a few minutes, then try again.',
  [ErrorCode.PASSWORD_TOO_WEAK]: 'Choose a new password of 12 to 256 characters that differs from the current one.',
  [ErrorCode.USERNAME_INVALID]: 'A username has 1 to 64 letters, digits, dots, dashes, underscores or @.',
  [ErrorCode.USERNAME_TAKEN]: 'Another account already has this username.',
  [ErrorCode.USER_NOT_FOUND]: 'The account does not exist. Refresh the list.',
  [ErrorCode.USER_SELF_LOCKOUT]: 'You cannot disable your own account or remove your own administrator role.',
  [ErrorCode.LAST_ADMINISTRATOR]:
    'This is the last active administrator account: nobody could manage accounts after this change. Make another account an administrator first.',
  [ErrorCode.API_TOKEN_INVALID]: 'Give the token a name (1 to 64 characters) and an expiry date in the future, at most a year away.',
  [ErrorCode.API_TOKEN_NOT_FOUND]: 'The API token does not exist. Refresh the list.',
  [ErrorCode.WEBHOOK_URL_INVALID]: 'Enter a full address such as https://hooks.example.com/bam (at most 2,048 characters).',
  [ErrorCode.WEBHOOK_URL_NOT_HTTPS]: 'Use an https:// address. Plain http:// is allowed only for this machine (localhost, 127.0.0.1, ::1).',
  [ErrorCode.WEBHOOK_URL_HAS_CREDENTIALS]: 'Remove the user name and password from the address: the signature authenticates each delivery.',
  [ErrorCode.WEBHOOK_ENDPOINT_INVALID]: 'Choose at least one event type, and keep the description to 200 characters.',
  [ErrorCode.WEBHOOK_ENDPOINT_NOT_FOUND]: 'The webhook endpoint does not exist. Refresh the list.',
  [ErrorCode.WEBHOOK_ENDPOINT_DISABLED]: 'The webhook endpoint is disabled. Enable it, then re-send.',
  [ErrorCode.WEBHOOK_EVENT_NOT_SUBSCRIBED]:
    "The webhook endpoint does not take this event: its type or organization is outside the endpoint's event types or organizations. Change those first to send it there.",
  [ErrorCode.ADMINISTRATOR_SCOPE_INVALID]: 'Administrators cannot be limited to some organizations. Choose another role or all organizations.',
  [ErrorCode.SERVER_SHUTTING_DOWN]: 'The server is restarting. Nothing was changed; try again in a moment.',
  [ErrorCode.INTERNAL_ERROR]: 'The server could not complete the request. Try again; if it keeps failing, contact your administrator.',
};

/**
 * Other words for a code in one operation (keyed by its GraphQL field), where the code's own text above
 * would send people the wrong way: the code stays the same, clients still switch on it. The server raises
 * these with `errorMessageIn`.
 */
export const operationErrorMessages = {
  resendWebhookEvent: {
    [ErrorCode.EVENT_NOT_FOUND]: 'The event to re-send is not in the event log. Check its id, or refresh the deliveries and re-send one of them.',
  },
  updateOrganizationConnection: {
    [ErrorCode.APPLICATION_IS_MANAGEMENT_APPLICATION]:
      'The application is a backup application, so it cannot also be the management application: a certificate update of it would remove the key the server signs in with. Remove it from the backup configuration first, or choose another application. Nothing was changed.',
    [ErrorCode.ROTATION_IN_PROGRESS]:
      'A certificate change in this organization is still under way with the current management certificate, so it was not replaced. Try again once the change is done.',
  },
  removeApplications: {
    [ErrorCode.ROTATION_IN_PROGRESS]:
      'A certificate change of a selected application is still being finished (or undone) in Microsoft Entra, so nothing was removed. While Entra cannot be reached the server keeps retrying it in the background; try again once it is done.',
  },
} as const satisfies Record<string, Partial<Record<ErrorCode, string>>>;

export type OperationWithOwnMessages = keyof typeof operationErrorMessages;

/** The text for `code` in `operation`: its own words there when it has some, else the code's. */
export function errorMessageIn(operation: OperationWithOwnMessages, code: ErrorCode): string {
  const own: Partial<Record<ErrorCode, string>> = operationErrorMessages[operation];
  return own[code] ?? errorMessages[code];
}
