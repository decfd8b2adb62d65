import { useApolloClient } from '../../common/apollo/apollo-client-key.js';
import { CertificateRotationProgressDocument } from '../../generated/graphql.js';
import type { RotationProgressEvent } from './rotation-steps.js';

/** How long Finish waits for the progress subscription before sending the update anyway (a proxy may block WebSockets). */
const LISTENING_TIMEOUT_MS = 3000;

export interface FollowedRotation {
  /** Resolves once the server listens for this operation's progress — or could not: the update must not wait on it. */
  listening: Promise<void>;
  stop(): void;
}

/**
 * Follows a certificate update's steps over `certificateRotationProgress` (graphql-ws, the session
 * cookie): subscribe first, send the update once `listening` resolves; `stop` ends it.
 */
export function useRotationProgress() {
  const client = useApolloClient();
  return {
    follow(operationId: string, onProgress: (event: RotationProgressEvent) => void): FollowedRotation {
      let ready = () => undefined as void;
      const listening = new Promise<void>((resolve) => (ready = resolve));
      const timer = setTimeout(ready, LISTENING_TIMEOUT_MS);
      const subscription = client
        .subscribe({ query: CertificateRotationProgressDocument, variables: { operationId }, fetchPolicy: 'no-cache' })
        .subscribe({
          next: ({ data }) => {
            const event = data?.certificateRotationProgress;
            if (!event || event.status === 'LISTENING') ready();
            else onProgress(event);
          },
          error: () => ready(),
          complete: () => ready(),
        });
      return {
        listening: listening.finally(() => clearTimeout(timer)),
        stop() {
          clearTimeout(timer);
          subscription.unsubscribe();
        },
      };
    },
  };
}

/**
 * A random (version 4) UUID naming one update. `crypto.randomUUID` exists only in secure contexts,
 * and the console may be served over plain HTTP inside a network; `getRandomValues` works everywhere.
 */
export function newOperationId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
