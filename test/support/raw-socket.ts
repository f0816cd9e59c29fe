import net from "node:net";

/**
 * A TCP client below any HTTP library, for clients no library would be:
 * stalled, trickling, malformed. It records every byte the server sends
 * and when the server closed the connection.
 */
export class RawSocket {
  readonly socket: net.Socket;
  received = Buffer.alloc(0);
  /** performance.now() when the connection opened. */
  readonly openedAt: number;
  readonly #closed: Promise<number>;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.openedAt = performance.now();
    socket.on("data", (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
    });
    // A reset (the per-address cap) is a close like any other here.
    socket.on("error", () => {});
    this.#closed = new Promise((resolve) => socket.once("close", () => resolve(performance.now())));
  }

  static open(port: number, options: { localAddress?: string } = {}): Promise<RawSocket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: "127.0.0.1", localAddress: options.localAddress });
      socket.once("connect", () => resolve(new RawSocket(socket)));
      socket.once("error", reject);
    });
  }

  write(bytes: Uint8Array | string): void {
    this.socket.write(bytes);
  }

  /** Writes one byte every `everyMs` until the connection closes. */
  trickle(bytes: Uint8Array | string, everyMs: number): void {
    const data = Buffer.from(bytes);
    let at = 0;
    const timer = setInterval(() => {
      if (at >= data.length || this.socket.destroyed) {
        clearInterval(timer);
        return;
      }
      this.socket.write(data.subarray(at, ++at));
    }, everyMs);
    this.socket.once("close", () => clearInterval(timer));
  }

  /**
   * Resolves with the milliseconds from `since` (default: the connection's
   * opening) to the server closing it; rejects if it is still open `withinMs`
   * after `since`, so a hang fails the test instead of stalling it.
   */
  async closesWithin(withinMs: number, since = this.openedAt): Promise<number> {
    const left = Math.max(0, since + withinMs - performance.now());
    let timer: NodeJS.Timeout | undefined;
    const stillOpen = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `still open ${withinMs} ms later; received ${JSON.stringify(this.received.toString("latin1").slice(0, 200))}`,
            ),
          ),
        left,
      );
    });
    try {
      return (await Promise.race([this.#closed, stillOpen])) - since;
    } finally {
      clearTimeout(timer);
    }
  }

  /** True while the server has not closed the connection. */
  get open(): boolean {
    return !this.socket.destroyed && !this.socket.readableEnded;
  }

  close(): void {
    this.socket.destroy();
  }
}
