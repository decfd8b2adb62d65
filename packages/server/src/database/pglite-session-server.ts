import net from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import type { Logger } from '../logging/logger.js';

const SSL_REQUEST_CODE = 80877103;
const GSS_ENCRYPTION_REQUEST_CODE = 80877104;
const CANCEL_REQUEST_CODE = 80877102;
const TERMINATE = 'X'.charCodeAt(0);
const READY_FOR_QUERY = 'Z'.charCodeAt(0);
const IDLE = 'I'.charCodeAt(0);
/** Ends an extended-query exchange, even one PostgreSQL is skipping after an error. */
const SYNC = Buffer.from([0x53, 0, 0, 0, 4]);

/** A simple-protocol Query message. */
function queryMessage(sql: string): Buffer {
  const text = Buffer.from(`${sql}\0`, 'utf8');
  const header = Buffer.alloc(5);
  header.write('Q', 0, 'latin1');
  header.writeInt32BE(text.length + 4, 1);
  return Buffer.concat([header, text]);
}

/**
 * Follows the message boundaries of PGlite's answer to one client message, to tell whether it ended
 * with ReadyForQuery outside a transaction: the only point where another client may use the session.
 */
class AnswerEnd {
  private header = Buffer.alloc(5);
  private headerBytes = 0;
  private bodyLeft = 0;
  private type = 0;
  private readyStatus = 0;

  /** True when the bytes seen so far end with ReadyForQuery reporting "idle". */
  get endsIdle(): boolean {
    return this.headerBytes === 0 && this.bodyLeft === 0 && this.type === READY_FOR_QUERY && this.readyStatus === IDLE;
  }

  push(data: Uint8Array): void {
    let index = 0;
    while (index < data.length) {
      if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, data.length - index);
        // ReadyForQuery's body is its one status byte.
        if (this.type === READY_FOR_QUERY) this.readyStatus = data[index + take - 1]!;
        this.bodyLeft -= take;
        index += take;
        continue;
      }
      this.header[this.headerBytes++] = data[index++]!;
      if (this.headerBytes === 5) {
        this.type = this.header[0]!;
        this.bodyLeft = this.header.readInt32BE(1) - 4;
        this.headerBytes = 0;
        this.readyStatus = 0;
      }
    }
  }
}

interface Connection {
  socket: net.Socket;
  received: Buffer;
  started: boolean;
  closed: boolean;
  /** The loop running this connection's messages, one at a time and in order; undefined when idle. */
  running: Promise<void> | undefined;
}

/**
 * Serves one PGlite database on a Unix socket to several PostgreSQL clients (the server's pool,
 * an operator's psql). PGlite has a single session, so a client holds it from its first message
 * until PGlite answers ReadyForQuery outside a transaction: a whole exchange (Parse … Sync) or
 * transaction runs with no other client's message in between. (`@electric-sql/pglite-socket` 0.2.17
 * interleaves single messages, so one client's Bind could meet another's Parse.)
 */
export class PGliteSessionServer {
  private readonly server: net.Server;
  private readonly connections = new Set<Connection>();
  private holder: Connection | undefined;
  /** Clients waiting for the session, first come first served. */
  private readonly waiting: { connection: Connection; granted: () => void }[] = [];

  constructor(
    private readonly db: PGlite,
    private readonly logger: Logger,
    maxConnections: number,
  ) {
    this.server = net.createServer((socket) => this.accept(socket));
    // Node closes connections beyond this at once.
    this.server.maxConnections = maxConnections;
  }

  listen(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(path, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** Stops accepting clients, drops the connected ones and waits until none is running a message. */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.connections) connection.socket.destroy();
    await Promise.all([...this.connections].map((connection) => connection.running));
    await closed;
  }

  private accept(socket: net.Socket): void {
    const connection: Connection = { socket, received: Buffer.alloc(0), started: false, closed: false, running: undefined };
    this.connections.add(connection);
    socket.on('data', (data: Buffer) => {
      connection.received = connection.received.length === 0 ? data : Buffer.concat([connection.received, data]);
      this.serve(connection);
    });
    socket.on('error', (error) => this.logger.debug({ err: error }, 'embedded database client connection failed'));
    socket.on('close', () => {
      connection.closed = true;
      this.serve(connection);
    });
  }

  private serve(connection: Connection): void {
    if (connection.running) return;
    connection.running = this.runMessages(connection).finally(() => {
      connection.running = undefined;
    });
  }

  private async runMessages(connection: Connection): Promise<void> {
    try {
      for (let message = this.nextMessage(connection); message && !connection.closed; message = this.nextMessage(connection)) {
        await this.run(connection, message);
      }
    } catch (error) {
      this.logger.error({ err: error }, 'the embedded database failed on a client message; closing that connection');
      connection.closed = true;
      connection.socket.destroy();
    }
    if (connection.closed && this.connections.delete(connection)) await this.endSession(connection);
  }

  /** Cuts the next whole message off the received bytes, answering the pre-startup requests PGlite has no use for. */
  private nextMessage(connection: Connection): Buffer | undefined {
    for (;;) {
      const { received } = connection;
      if (!connection.started) {
        if (received.length < 8 || received.length < received.readInt32BE(0)) return undefined;
        const length = received.readInt32BE(0);
        const code = received.readInt32BE(4);
        if (code === SSL_REQUEST_CODE || code === GSS_ENCRYPTION_REQUEST_CODE) {
          // "N": no encryption; the client goes on with its startup message.
          connection.socket.write('N');
          connection.received = received.subarray(length);
          continue;
        }
        if (code === CANCEL_REQUEST_CODE) {
          // PGlite cannot interrupt a running query; the protocol expects no answer.
          connection.socket.end();
          connection.received = Buffer.alloc(0);
          return undefined;
        }
        connection.started = true;
        connection.received = received.subarray(length);
        return received.subarray(0, length);
      }
      if (received.length < 5) return undefined;
      const length = 1 + received.readInt32BE(1);
      if (received.length < length) return undefined;
      connection.received = received.subarray(length);
      return received.subarray(0, length);
    }
  }

  private async run(connection: Connection, message: Buffer): Promise<void> {
    // Leaving needs nothing of PGlite: a client that holds the session is reset when it is gone.
    if (message[0] === TERMINATE) {
      connection.closed = true;
      connection.socket.end();
      return;
    }
    await this.acquire(connection);
    if (connection.closed) return;
    const answer = new AnswerEnd();
    await this.db.runExclusive(() =>
      this.db.execProtocolRawStream(message, {
        onRawData: (data) => {
          answer.push(data);
          // PGlite reuses the buffer behind `data`: copy it before it is queued on the socket.
          if (!connection.socket.destroyed) connection.socket.write(Buffer.from(data));
        },
      }),
    );
    if (answer.endsIdle) this.release(connection);
  }

  private acquire(connection: Connection): Promise<void> {
    if (this.holder === connection) return Promise.resolve();
    if (!this.holder) {
      this.holder = connection;
      return Promise.resolve();
    }
    return new Promise((granted) => this.waiting.push({ connection, granted }));
  }

  private release(connection: Connection): void {
    if (this.holder !== connection) return;
    const next = this.waiting.shift();
    this.holder = next?.connection;
    next?.granted();
  }

  /** A client gone in the middle of an exchange or transaction must not leave it to the next one. */
  private async endSession(connection: Connection): Promise<void> {
    // A client waiting for the session is still in its message loop, so it never ends here unserved.
    if (this.holder !== connection) return;
    try {
      // Streamed to nowhere: PGlite keeps the last stream's output callback, so `execProtocolRaw` would
      // write these answers to the socket of whichever client ran the last message before.
      const discard = { onRawData: () => undefined };
      await this.db.runExclusive(async () => {
        await this.db.execProtocolRawStream(SYNC, discard);
        if (this.db.isInTransaction()) await this.db.execProtocolRawStream(queryMessage('ROLLBACK'), discard);
      });
    } catch (error) {
      this.logger.error({ err: error }, 'could not reset the embedded database session after a client left');
    } finally {
      this.release(connection);
    }
  }
}
