import { describe, expect, it } from 'vitest';
import type { CredentialEndBroadcast, EndedCredential } from './credential-end-broadcast.js';
import { CREDENTIAL_ENDED_CLOSE_CODE, CredentialSockets } from './credential-sockets.js';

/** A broadcast between instances in memory: what this one publishes, and a way to hear another's. */
function fakeBroadcast() {
  let hear: ((credential: EndedCredential) => void) | undefined;
  const published: EndedCredential[] = [];
  const broadcast: CredentialEndBroadcast = {
    start: async (ended) => {
      hear = ended;
    },
    publish: async (credential) => {
      published.push(credential);
    },
    close: async () => {
      hear = undefined;
    },
  };
  return { broadcast, published, fromAnotherInstance: (credential: EndedCredential) => hear?.(credential) };
}

function socket() {
  const closes: [number, string][] = [];
  return { closes, close: (code: number, reason: string) => void closes.push([code, reason]) };
}

const inOneHour = () => new Date(Date.now() + 3_600_000);

describe('CredentialSockets', () => {
  it('closes the sockets of a credential ended here, and tells the other instances', async () => {
    const { broadcast, published } = fakeBroadcast();
    const sockets = new CredentialSockets(broadcast);
    await sockets.start();
    const [session, token] = [socket(), socket()];
    sockets.add(['session:s1', 'user:u1'], session, inOneHour());
    sockets.add(['token:t1'], token, inOneHour());

    await sockets.end('user:u1', 'Account changed');
    expect(session.closes).toEqual([[CREDENTIAL_ENDED_CLOSE_CODE, 'Account changed']]);
    expect(token.closes).toEqual([]);
    expect(published).toEqual([{ key: 'user:u1', reason: 'Account changed' }]);
  });

  it('closes its sockets of a credential another instance ended, with that reason, and forgets the credential', async () => {
    const { broadcast, published, fromAnotherInstance } = fakeBroadcast();
    const sockets = new CredentialSockets(broadcast);
    const forgotten: string[] = [];
    sockets.onEnd((key) => forgotten.push(key));
    await sockets.start();
    const [token, other] = [socket(), socket()];
    sockets.add(['token:t1'], token, inOneHour());
    sockets.add(['token:t2'], other, inOneHour());

    fromAnotherInstance({ key: 'token:t1', reason: 'Token revoked' });
    expect(token.closes).toEqual([[CREDENTIAL_ENDED_CLOSE_CODE, 'Token revoked']]);
    expect(other.closes).toEqual([]);
    expect(forgotten).toEqual(['token:t1']);
    // Heard, not published again: the instance where it ended told everyone.
    expect(published).toEqual([]);
  });

  it('without a broadcast (the embedded database: one instance) closes its own sockets', async () => {
    const sockets = new CredentialSockets();
    await sockets.start();
    const session = socket();
    const remove = sockets.add(['session:s1'], session, inOneHour());
    remove();
    await sockets.end('session:s1', 'Signed out');
    expect(session.closes).toEqual([]);

    sockets.add(['session:s1'], session, inOneHour());
    await sockets.end('session:s1', 'Signed out');
    expect(session.closes).toEqual([[CREDENTIAL_ENDED_CLOSE_CODE, 'Signed out']]);
    await sockets.close();
  });
});
