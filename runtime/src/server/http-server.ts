import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { connectNodeAdapter } from "@connectrpc/connect-node";

/** The HTTP/2 client connection preface (RFC 9113 §3.4). */
const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** A request handler as connect-node builds them (HTTP/1.1 and HTTP/2 alike). */
export type RequestHandler = ReturnType<typeof connectNodeAdapter>;

/** A listening dual-protocol server. */
export interface DualProtocolServer {
  /** The bound port (useful when listening on port 0). */
  readonly port: number;
  /** Stops accepting, then closes every open connection. */
  close(): Promise<void>;
}

/**
 * One TCP port for HTTP/2 cleartext (Connect, gRPC, gRPC-Web) and HTTP/1.1
 * (Connect JSON for curl, webhooks, /metrics). Node 20's cleartext http2
 * server ignores allowHTTP1, so each connection's first bytes decide: the
 * HTTP/2 preface goes to the http2 server, anything else to the http server.
 */
export async function listenDualProtocol(
  handler: RequestHandler,
  port: number,
  host: string,
): Promise<DualProtocolServer> {
  const h1 = http.createServer(handler as http.RequestListener);
  const h2 = http2.createServer(
    handler as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
  );
  h1.keepAliveTimeout = 65_000;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const compared = Math.min(seen.length, preface.length);
      const isH2 = seen.subarray(0, compared).equals(preface.subarray(0, compared));
      if (isH2 && seen.length < preface.length) return; // not enough bytes to decide yet
      socket.off("data", onData);
      socket.pause();
      socket.unshift(seen);
      // The http2 session reads the bytes we put back itself; resuming the
      // socket here would make the JS stream race it for the next bytes.
      (isH2 ? h2 : h1).emit("connection", socket);
      if (!isH2) socket.resume();
    };
    socket.on("data", onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        h1.close();
        h2.close();
        for (const socket of sockets) socket.destroy();
      }),
  };
}
