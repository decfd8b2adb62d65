import type { EntraCloudName } from '../config/config.js';
import type { PublicCertificate, SigningCertificate } from '../key-custody/signing-certificate.js';

/** An Entra tenant as the server addresses it: its cloud and its id or primary domain. */
export interface EntraTenantRef {
  cloud: EntraCloudName;
  /** Tenant id (GUID) or primary domain. */
  tenant: string;
}

/** How the server signs in to manage a tenant: the management application and its certificate. */
export interface ManagementSignIn extends EntraTenantRef {
  appId: string;
  certificate: SigningCertificate;
}

/** A management sign-in as caches know it: the certificate by its thumbprint only, its key not needed. */
export interface ManagementSignInKey extends EntraTenantRef {
  appId: string;
  certificate: Pick<PublicCertificate, 'thumbprint'>;
}

export interface EntraTenant {
  id: string;
  displayName: string;
  /** The default (primary) verified domain, e.g. `contoso.onmicrosoft.com`. */
  defaultDomain: string;
}

/** A key credential as Graph lists it (without the certificate itself). */
export interface EntraKey {
  keyId: string;
  /** SHA-1 thumbprint, upper-case hex. */
  thumbprint: string;
  /** The key's friendly name: `addedKeyDisplayName` on the keys the server adds; the certificate's subject on one uploaded in the portal. */
  displayName: string | null;
  endDateTime: Date | null;
}

/**
 * The display name addKey gives the keys the server adds: its marking of them. A rollback that lost the key id Entra
 * gave its key (addKey with a proof, stopped before the answer was recorded) withdraws by thumbprint only a key
 * carrying it, never one with the same certificate an administrator uploaded in the portal (named after the
 * certificate's subject). Graph's addKey chooses the key id itself (a client's keyId is documented to be left null), so
 * it cannot be recorded before the add as with PATCH. 62 characters: Graph shortens a display name beyond 90.
 */
export function addedKeyDisplayName(thumbprint: string): string {
  return `CN backup certificate ${thumbprint}`;
}

/**
 * How addKey registers a key: through Graph's addKey with a proof of possession signed by a key the application holds
 * now (Entra chooses the new key's id), or through the management application's permission (PATCH keyCredentials) under
 * the key id the caller chose — Graph keeps a client-chosen keyId — so the caller can record it before the call.
 */
export type KeyRegistration = { proofSigner: SigningCertificate } | { keyId: string };

/** The key addKey leaves on the application, and whether this call added it or found it there already. */
export interface RegisteredKey {
  keyId: string;
  /** False: the application held the certificate before the call (the portal, another rotation): the key is not the caller's to withdraw. */
  added: boolean;
}

export interface EntraApplication {
  /** Object id: what addKey / removeKey proofs name as issuer. */
  id: string;
  appId: string;
  displayName: string;
  keys: EntraKey[];
}

export interface EntraApplicationPage {
  applications: EntraApplication[];
  /** Opaque token of the next page, or null on the last page. */
  nextPageToken: string | null;
}

/**
 * Every call the server makes to Microsoft Entra and Microsoft Graph, behind one interface: the
 * organization and certificate services use only this. Each call is bounded in time; failures are
 * `EntraError`s carrying Entra's code. The production implementation is `GraphEntraDirectory`.
 */
export interface EntraDirectory {
  /** Signs in as the management application and checks it may read the tenant and manage applications. */
  checkAccess(signIn: ManagementSignIn): Promise<EntraTenant>;
  /** The tenant's applications, a page at a time, optionally those whose name starts with `nameStartsWith`. */
  listApplications(
    signIn: ManagementSignIn,
    options: { nameStartsWith?: string | null; pageSize: number; pageToken?: string | null },
  ): Promise<EntraApplicationPage>;
  /** One application by application (client) id, or null when the tenant has none. */
  getApplication(signIn: ManagementSignIn, appId: string): Promise<EntraApplication | null>;
  /**
   * Registers a certificate on the application's keyCredentials, as `registration` says. `application` is as the caller
   * just read it (`getApplication`), not read again: Graph throttles per tenant. A key it lists with the certificate is
   * returned as it is, not added again (`added: false`).
   */
  addKey(
    signIn: ManagementSignIn,
    application: EntraApplication,
    certificate: PublicCertificate,
    registration: KeyRegistration,
  ): Promise<RegisteredKey>;
  /**
   * Withdraws a key; with `proofSigner` through `removeKey`, without through PATCH keyCredentials. `application` is as
   * the caller just read it, not read again; a key it does not list is ignored.
   */
  removeKey(signIn: ManagementSignIn, application: EntraApplication, keyId: string, proofSigner?: SigningCertificate | null): Promise<void>;
  /**
   * Proves the application signs in with the certificate: a client-credentials token request with a
   * certificate assertion, repeated until it succeeds or `withinMs` passes (Entra replicates new keys
   * for a while). Rejects with the last refusal; `onRefused` hears of each refusal it retries after.
   */
  proveSignIn(
    tenant: EntraTenantRef,
    appId: string,
    certificate: SigningCertificate,
    withinMs: number,
    onRefused?: (attempt: number, entraCode: string) => void,
  ): Promise<void>;
  /** Drops the credential, tokens and Graph client kept for a sign-in the organization no longer uses (its key leaves memory). */
  forgetSignIn(signIn: ManagementSignInKey): void;
}

/** What kind of failure an Entra call met; the services turn it into their own coded errors. */
export type EntraFailure = 'TENANT_NOT_FOUND' | 'SIGN_IN_REFUSED' | 'PERMISSION_MISSING' | 'NOT_FOUND' | 'THROTTLED' | 'UNAVAILABLE' | 'REFUSED';

export class EntraError extends Error {
  override name = 'EntraError';
  /**
   * Whether the request may have taken effect all the same: Entra did not answer (a timeout, a lost connection) or failed
   * (a server error), or an earlier attempt of a retried request did. False when Entra refused it: nothing changed.
   */
  readonly outcomeUnknown: boolean;

  constructor(
    readonly failure: EntraFailure,
    /** Entra's own code: `AADSTS700027`, `Authorization_RequestDenied`, a permission name … */
    readonly entraCode: string,
    message: string,
    options: { outcomeUnknown?: boolean } = {},
  ) {
    super(message);
    this.outcomeUnknown = options.outcomeUnknown ?? failure === 'UNAVAILABLE';
  }
}

/** True only for Entra's refusal of a request: it changed nothing. Any other failure (or error) may hide a change. */
export function changedNothing(error: unknown): boolean {
  return error instanceof EntraError && !error.outcomeUnknown;
}

/** The application is not (or no longer) in the tenant: Graph's own code for a missing object. */
export function applicationNotFound(appId: string): EntraError {
  return new EntraError('NOT_FOUND', 'Request_ResourceNotFound', `Application ${appId} does not exist in the tenant.`);
}
