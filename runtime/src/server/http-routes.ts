import type { Router } from "../router/router.js";
import type { RequestHandler } from "./http-server.js";
import { readBody } from "./read-body.js";

type Req = Parameters<RequestHandler>[0];
type Res = Parameters<RequestHandler>[1];

export interface HttpRoutesDeps {
  readonly router: Router;
  /** The Prometheus exposition served at GET /metrics. */
  metrics(): Promise<{ readonly body: string; readonly contentType: string }>;
}

const webhookPath = /^\/webhooks\/([a-z0-9][a-z0-9_-]{0,63})\/?$/;
const maxWebhookBytes = 8 * 1024 * 1024;

/**
 * Plain HTTP beside the RPCs, on the same port: GET /metrics, GET /healthz
 * and provider callbacks at /webhooks/<route>. Everything else is 404.
 */
export function httpRoutes(deps: HttpRoutesDeps): (req: Req, res: Res) => void {
  return (req, res) => void serve(deps, req, res);
}

async function serve(deps: HttpRoutesDeps, req: Req, res: Res): Promise<void> {
  const path = (req.url ?? "/").split("?")[0];
  try {
    if (req.method === "GET" && path === "/metrics") {
      const { body, contentType } = await deps.metrics();
      reply(res, 200, body, contentType);
      return;
    }
    if (req.method === "GET" && path === "/healthz") {
      reply(res, 200, "ok\n", "text/plain");
      return;
    }
    const webhook = webhookPath.exec(path);
    if (webhook) {
      // GET carries providers' subscription challenges (Meta's hub.challenge); events come as POST.
      if (req.method !== "POST" && req.method !== "GET") {
        reply(res, 405, "webhooks take POST (or GET for a verification challenge)\n", "text/plain");
        return;
      }
      const body = req.method === "GET" ? new Uint8Array() : await readBody(req, maxWebhookBytes);
      if (!body) {
        reply(res, 413, "webhook body larger than 8 MiB\n", "text/plain");
        return;
      }
      const answer = await deps.router.webhook(webhook[1], {
        method: req.method,
        url: req.url ?? path,
        headers: req.headers,
        body,
      });
      reply(res, answer.status, answer.body ?? "", answer.contentType ?? "text/plain");
      return;
    }
    reply(res, 404, `not found: ${path}\n`, "text/plain");
  } catch (reason) {
    const message = reason instanceof Error ? reason.message : String(reason);
    reply(res, 500, `internal error: ${message}\n`, "text/plain");
  }
}

function reply(res: Res, status: number, body: string | Uint8Array, contentType: string): void {
  res.writeHead(status, { "content-type": contentType });
  res.end(body);
}
