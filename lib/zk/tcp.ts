/**
 * A TCP connection on Bun's native sockets. node:net in Bun runs every write and read through a
 * streams layer, which was the largest single CPU cost of a tree walk (issue 12); here a write is
 * one send() and only the bytes the kernel did not take are kept (copied) until `drain`.
 */
import type { Socket } from "bun";

/** What a {@link TcpConnection} reports. Each callback runs on the event loop, never re-entrantly. */
export interface TcpHandlers {
  open(): void;
  /** A chunk of received bytes; it is a fresh buffer the receiver may keep. */
  data(chunk: Buffer): void;
  /** Why the connection failed or is failing; `close` follows. */
  error(message: string): void;
  /** Called exactly once, after a failed connect, a remote close, or `destroy`. */
  close(): void;
}

/**
 * One outgoing TCP connection, Nagle off.
 * @example const c = new TcpConnection("127.0.0.1", 2181, handlers); c.write(bytes); c.destroy();
 */
export class TcpConnection {
  private socket: Socket<undefined> | null = null;
  private unsent: Buffer[] = [];
  private closed = false;

  constructor(
    host: string,
    port: number,
    private readonly handlers: TcpHandlers,
  ) {
    const failed = (error: Error) => this.fail(describe(error, host, port));
    Bun.connect({
      hostname: host,
      port,
      socket: {
        open: (socket) => {
          if (this.closed) {
            socket.terminate();
            return;
          }
          this.socket = socket;
          socket.setNoDelay(true);
          handlers.open();
        },
        data: (_socket, chunk) => {
          if (!this.closed) handlers.data(chunk);
        },
        drain: () => this.drain(),
        end: () => this.destroy(),
        error: (_socket, error) => failed(error),
        close: (_socket, error) => (error ? failed(error) : this.destroy()),
        connectError: (_socket, error) => failed(error),
      },
    }).catch(failed);
  }

  /**
   * Sends `bytes`; what the kernel does not take now is copied and sent on `drain`, in order.
   * The caller may reuse `bytes` as soon as this returns. Ignored once closed.
   */
  write(bytes: Uint8Array): void {
    const socket = this.socket;
    if (this.closed || !socket) return;
    if (this.unsent.length > 0) {
      this.unsent.push(Buffer.from(bytes));
      return;
    }
    const sent = socket.write(bytes);
    if (sent < 0) return;
    if (sent < bytes.length) this.unsent.push(Buffer.from(bytes.subarray(sent)));
  }

  /** Closes the connection now; unsent bytes are dropped and `close` follows. */
  destroy(): void {
    this.fail(undefined);
  }

  private drain(): void {
    const socket = this.socket;
    while (socket && !this.closed && this.unsent.length > 0) {
      const bytes = this.unsent[0] as Buffer;
      const sent = socket.write(bytes);
      if (sent < 0) return;
      if (sent < bytes.length) {
        this.unsent[0] = bytes.subarray(sent);
        return;
      }
      this.unsent.shift();
    }
  }

  private fail(message: string | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.unsent = [];
    if (message) this.handlers.error(message);
    const socket = this.socket;
    this.socket = null;
    socket?.terminate();
    // Bun calls `close` synchronously inside terminate(); deferring keeps the owner's state
    // changes out of whatever callback asked to destroy the connection (as node:net does).
    queueMicrotask(() => this.handlers.close());
  }
}

/** Says a socket error as node:net does (`connect ECONNREFUSED host:port`): operators know it. */
function describe(error: Error & { code?: string; syscall?: string }, host: string, port: number) {
  const { code, syscall } = error;
  if (!code || error.message.includes(code)) return error.message;
  return `${syscall ?? "connect"} ${code} ${host}:${port}`;
}
