import { describe, expect, it } from 'vitest';
import type { CredentialEndBroadcast, EndedCredential } from './credential-end-broadcast.js';
import { CREDENTIAL_ENDED_CLOSE_CODE, CredentialSockets } from './credential-sockets.js';

/** A broadcast between instances in memory: what this one publishes, and a way to hear another's. */
function fakeBroadcast() {
  let hear: ((credential: EndedCredential) => void) | undefined;
  let reconnected: (() => Promise<void>) | undefined;
  const published: EndedCredential[] = [];
  const broadcast: CredentialEndBroadcast = {
    start: async (ended, missed) => {
      hear = ended;
      reconnected = missed;
    },
    publish: async (credential) => {
      published.push(credential);
    },
    close: async () => {
      hear = undefined;
    },
  };
  return {
    broadcast,
    published,
    fromAnotherInstance: (credential: EndedCredential) => hear?.(credential),
    noticesLost: () => reconnected?.(),
  };
}

function socket() {
  const closes: [number, string][] = [];
  return { closes, close: (code: number, reason: string) => void closes.push([code, reason]) };
}

const inOneHour = () => new Date(Date.now() + 3_600_000);
const nothingEnded = async () => [];

describe('CredentialSockets', () => {
  it('closes the sockets of a credential ended here, and tells the other instances', async () => {
    const { broadcast, published } = fakeBroadcast();
    const sockets = new CredentialSockets(broadcast);
    await sockets.start(nothingEnded);
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
    await sockets.start(nothingEnded);
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
    await sockets.start(nothingEnded);
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

  it('when notices may have been lost, asks once which open credentials ended and closes their sockets', async () => {
    const { broadcast, noticesLost } = fakeBroadcast();
    const sockets = new CredentialSockets(broadcast);
    const asked: (readonly string[])[] = [];
    await sockets.start(async (keys) => {
      asked.push(keys);
      return [{ key: 'token:t1', reason: 'Credential ended' }];
    });
    await noticesLost();
    expect(asked).toEqual([]);

    const [token, session] = [socket(), socket()];
    sockets.add(['token:t1'], token, inOneHour());
    sockets.add(['session:s1', 'user:u1'], session, inOneHour());
    await noticesLost();
    expect(asked).toEqual([['token:t1', 'session:s1', 'user:u1']]);
    expect(token.closes).toEqual([[CREDENTIAL_ENDED_CLOSE_CODE, 'Credential ended']]);
    expect(session.closes).toEqual([]);
  });
});
