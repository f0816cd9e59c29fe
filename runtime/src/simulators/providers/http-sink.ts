import http from "node:http";
import type { AddressInfo } from "node:net";

export interface SinkRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** How the sink answers one request: a status, optional headers and body. */
export type SinkAnswer = {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
};

/**
 * A real HTTP server on loopback that records what it receives and answers
 * as the test scripts it: the stand-in for a provider or a customer endpoint.
 */
export class HttpSink {
  readonly received: SinkRequest[] = [];
  answer: (request: SinkRequest) => SinkAnswer = () => ({ status: 200, body: "ok" });
  #server: http.Server | undefined;
  #waiters: Array<{ count: number; resolve: () => void }> = [];

  async start(): Promise<string> {
    this.#server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const request = {
          method: req.method ?? "",
          url: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        };
        this.received.push(request);
        const answer = this.answer(request);
        this.#waiters = this.#waiters.filter((w) => {
          if (this.received.length < w.count) return true;
          w.resolve();
          return false;
        });
        const respond = () => {
          res.writeHead(answer.status, answer.headers);
          res.end(answer.body ?? "");
        };
        if (answer.delayMs) setTimeout(respond, answer.delayMs);
        else respond();
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Resolves once `count` requests in all have arrived. */
  waitFor(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()) ?? resolve());
  }
}
