import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

/** Whether the peer at `address`, `hop` proxies away from the server (0: the connection's peer), is a trusted proxy. */
export type TrustedProxies = (address: string, hop: number) => boolean;

/**
 * TRUST_PROXY (see the config's `trustProxy`) compiled as Express compiles its `trust proxy` setting. The server gives this function
 * to Express and uses it for WebSocket upgrades (which Express never sees), so both agree on every address.
 */
export function trustedProxies(setting: boolean | number | readonly string[]): TrustedProxies {
  if (setting === true) return () => true;
  if (setting === false) return () => false;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return proxyAddr.compile([...setting]);
}

/** The client's address: the connection's peer, or the address its trusted proxies forwarded (Express's `request.ip`). */
export function clientAddress(request: IncomingMessage, trusted: TrustedProxies): string | undefined {
  // Typed as a string, but undefined once the socket is gone, as `request.socket.remoteAddress` is.
  return proxyAddr(request, trusted) as string | undefined;
}

/**
 * The host the client asked for (Express's `request.host`): the first `X-Forwarded-Host` when the peer is a trusted
 * proxy, else `Host`. A proxy that sends the server its own Host (nginx's default) forwards the browser's this way.
 */
export function requestedHost(request: IncomingMessage, trusted: TrustedProxies): string | undefined {
  const forwarded = request.headers['x-forwarded-host'];
  const peer = request.socket.remoteAddress;
  if (typeof forwarded !== 'string' || !forwarded || peer === undefined || !trusted(peer, 0)) return request.headers.host;
  return forwarded.split(',')[0]!.trim();
}
