import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { connectNodeAdapter } from "@connectrpc/connect-node";
import type { ServerConfig, ServerTimeouts } from "../config/gateway-config.js";
import { addressCap } from "./address-cap.js";
import { guardHttp2 } from "./http2-guard.js";

/** The HTTP/2 client connection preface (RFC 9113 §3.4). */
const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/**
 * Request headers either protocol accepts: node:http's default for HTTP/1.1, advertised to HTTP/2
 * clients.
 */
const maxHeaderBytes = 16 * 1024;

/**
 * Node's maxSessionInvalidFrames: a session's invalid HTTP/2 frames (each
 * answered by resetting its stream) beyond this many, plus one, close it.
 * Correct clients send none; Node's default is 1000.
 */
const maxInvalidFrames = 10;

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
 * A connection that has not decided within `sniffMs` is closed, as is one
 * beyond `maxConnectionsPerAddress`; each protocol then has its own timeouts.
 */
export async function listenDualProtocol(
  handler: RequestHandler,
  config: ServerConfig,
): Promise<DualProtocolServer> {
  const h1 = http1Server(handler, config.timeouts);
  const h2 = http2.createServer(
    { maxSessionInvalidFrames: maxInvalidFrames, settings: { maxHeaderListSize: maxHeaderBytes } },
    handler as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
  );
  guardHttp2(h2, config.timeouts);
  const cap = addressCap(config.maxConnectionsPerAddress);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    if (!cap.admit(socket)) return;
    sockets.add(socket);
    const sniffing = setTimeout(() => socket.destroy(), config.timeouts.sniffMs);
    socket.once("close", () => {
      clearTimeout(sniffing);
      sockets.delete(socket);
    });
    socket.on("error", () => socket.destroy());
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const compared = Math.min(seen.length, preface.length);
      const isH2 = seen.subarray(0, compared).equals(preface.subarray(0, compared));
      if (isH2 && seen.length < preface.length) return; // not enough bytes to decide yet
      clearTimeout(sniffing);
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
    server.listen(config.port, config.host, () => resolve());
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

/**
 * The HTTP/1.1 side: headers within `headersMs`, the whole request within
 * `requestMs` (each answered 408 and closed), keep-alive for `idleMs`. A
 * response takes as long as it takes. Malformed requests get node:http's
 * 400 and are closed.
 */
function http1Server(handler: RequestHandler, timeouts: ServerTimeouts): http.Server {
  const h1 = http.createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      // How often node:http looks for expired requests: the timeouts' precision.
      connectionsCheckingInterval: Math.min(1_000, Math.ceil(timeouts.headersMs / 2)),
      maxHeaderSize: maxHeaderBytes,
    },
    handler as http.RequestListener,
  );
  h1.keepAliveTimeout = timeouts.idleMs;
  // node:http starts checking header and request timeouts on 'listening';
  // this server never listens (the sniffer hands it connections), so start
  // the checks here, or slow requests would never time out.
  h1.emit("listening");
  return h1;
}
