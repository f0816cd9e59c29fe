import type { ConsoleConfig, ServerConfig } from "../config/gateway-config.js";
import {
  type DualProtocolServer,
  listenDualProtocol,
  type RequestHandler,
} from "../server/http-server.js";
import { type ConsoleFile, readConsoleFiles } from "./console-files.js";

type Req = Parameters<RequestHandler>[0];
type Res = Parameters<RequestHandler>[1];

/**
 * No inline script or style, nothing from another origin, no framing, and
 * DOM sinks closed to strings (the console builds its DOM node by node).
 */
const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
].join("; ");

/** Sent with every response of the console's port, the API's included. */
const securityHeaders: Readonly<Record<string, string>> = {
  "content-security-policy": contentSecurityPolicy,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

/** The paths of the RPCs (`/hermes.v1.MessageService/Send`...). */
const rpcPath = /^\/hermes\.v1\.[A-Za-z]+\/[A-Za-z]+$/;

export interface ConsoleServerOptions {
  readonly console: ConsoleConfig;
  /** The API port's settings: the console's port keeps the same timeouts and limits. */
  readonly server: ServerConfig;
  /** The API's RPC handler, the one the API port serves. */
  readonly rpc: RequestHandler;
}

/**
 * The operator console's port: the console's static files at /console/, and
 * the same RPC handler as the API port (same interceptors, same keys), so
 * the browser calls the API on the console's own origin: no CORS, no
 * second API. Nothing else (no /metrics, no webhooks).
 */
export async function startConsoleServer(
  options: ConsoleServerOptions,
): Promise<DualProtocolServer> {
  const files = readConsoleFiles();
  const handler = (req: Req, res: Res) => {
    for (const [name, value] of Object.entries(securityHeaders)) res.setHeader(name, value);
    const path = (req.url ?? "/").split("?")[0]!;
    if (rpcPath.test(path)) {
      options.rpc(req, res);
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") return reply(res, 405, "GET only\n");
    if (path === "/" || path === "/console") {
      res.writeHead(302, { location: "/console/" });
      res.end();
      return;
    }
    if (!path.startsWith("/console/")) return reply(res, 404, `not found: ${path}\n`);
    if (!files)
      return reply(res, 503, "the console is not built: run `npm ci` or `npm run build:console`\n");
    const name = path.slice("/console/".length) || "index.html";
    const file = files.get(name);
    if (!file) return reply(res, 404, `not found: ${path}\n`);
    serve(res, file, name === "index.html");
  };
  return listenDualProtocol(handler as RequestHandler, {
    ...options.server,
    host: options.console.host,
    port: options.console.port,
  });
}

function serve(res: Res, file: ConsoleFile, page: boolean): void {
  res.writeHead(200, {
    "content-type": file.contentType,
    "content-length": file.body.length,
    // The page is read again on every visit, so a new bundle is picked up at once.
    "cache-control": page ? "no-store" : "no-cache",
  });
  res.end(file.body);
}

function reply(res: Res, status: number, text: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(text);
}
