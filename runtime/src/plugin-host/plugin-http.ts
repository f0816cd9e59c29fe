import { create } from "@bufbuild/protobuf";
import {
  HttpResponseSchema,
  type HttpRequest,
  type HttpResponse,
} from "../gen/hermes/plugin/v1/plugin_pb.js";
import { ErrorCode, HermesError, errorDetail } from "../errors/hermes-error.js";
import type { TraceSpan } from "../tracing/tracer.js";

/** How the host performs a plugin's HTTP requests. */
export interface PluginHttpOptions {
  /** The manifest's allowed_hosts: exact names or "*.domain" patterns. */
  readonly allowedHosts: readonly string[];
  /** Plain http:// (development and tests); https only otherwise. */
  readonly allowHttp: boolean;
  readonly defaultTimeoutMs: number;
  readonly maxTimeoutMs: number;
  readonly maxResponseBytes: number;
  /**
   * The request's span: its `traceparent` goes with the request, so the
   * provider's own traces join the message's, and its host and status are
   * recorded on it.
   */
  readonly span?: TraceSpan;
}

/** True when `hostname` is one of `allowed` or under a "*.domain" pattern (not the bare domain). */
export function hostAllowed(hostname: string, allowed: readonly string[]): boolean {
  const host = hostname.toLowerCase();
  return allowed.some((pattern) =>
    pattern.startsWith("*.") ? host.endsWith(pattern.slice(1)) : host === pattern.toLowerCase(),
  );
}

/**
 * Performs an HTTP request a plugin asked for. A URL outside the sandbox
 * (host not allowlisted, wrong scheme) throws PLUGIN_DENIED: that is a
 * defect of the plugin or its manifest, not something a retry fixes. When no
 * answer comes (refused, DNS, timeout, body too large) the response carries
 * a retryable `transport_error`. Redirects are not followed, so a provider
 * cannot lead the host to a host the manifest does not allow; connections
 * are pooled by Node's fetch (undici) per origin. With a span, the request
 * carries its W3C `traceparent` (replacing any the plugin set).
 */
export async function performRequest(
  request: HttpRequest,
  options: PluginHttpOptions,
): Promise<HttpResponse> {
  const url = parseUrl(request.url);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && options.allowHttp)) {
    throw new HermesError(
      ErrorCode.PLUGIN_DENIED,
      `plugin asked for ${url.protocol}// (${url.host}); only https${options.allowHttp ? " and http" : ""} are allowed`,
      { retryable: false },
    );
  }
  if (!hostAllowed(url.hostname, options.allowedHosts)) {
    throw new HermesError(
      ErrorCode.PLUGIN_DENIED,
      `plugin asked for host ${url.hostname}, which its manifest's allowed_hosts (${options.allowedHosts.join(", ") || "none"}) do not include`,
      {
        retryable: false,
      },
    );
  }
  const method = (request.method || "GET").toUpperCase();
  const timeoutMs = Math.min(request.timeoutMs || options.defaultTimeoutMs, options.maxTimeoutMs);
  const headers = new Headers();
  for (const { name, value } of request.headers) headers.append(name, value);
  const traceparent = options.span?.traceparent();
  if (traceparent) {
    headers.set("traceparent", traceparent);
    options.span!.set("http.request.method", method);
    options.span!.set("server.address", url.hostname);
  }
  try {
    const response = await fetch(url, {
      method,
      headers,
      body:
        method === "GET" || method === "HEAD" || request.body.length === 0
          ? undefined
          : request.body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await readCapped(response, options.maxResponseBytes);
    options.span?.set("http.response.status_code", response.status);
    const responseHeaders = [...response.headers].map(([name, value]) => ({ name, value }));
    return create(HttpResponseSchema, { status: response.status, headers: responseHeaders, body });
  } catch (reason) {
    const error = transportError(reason, url, timeoutMs, options.maxResponseBytes);
    options.span?.fail(error.message);
    return create(HttpResponseSchema, { transportError: error });
  }
}

function parseUrl(raw: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw new HermesError(
      ErrorCode.PLUGIN_FAILURE,
      `plugin asked for an invalid URL "${raw.slice(0, 200)}"`,
      { retryable: false },
    );
  }
}

class BodyTooLarge extends Error {}

async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new BodyTooLarge();
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body ?? []) {
    total += chunk.length;
    if (total > maxBytes) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function transportError(reason: unknown, url: URL, timeoutMs: number, maxBytes: number) {
  if (reason instanceof BodyTooLarge)
    return errorDetail(
      ErrorCode.PROVIDER_UNAVAILABLE,
      `${url.host} answered with a body over ${maxBytes} bytes`,
    );
  if (reason instanceof DOMException && reason.name === "TimeoutError")
    return errorDetail(ErrorCode.TIMEOUT, `no answer from ${url.host} within ${timeoutMs} ms`);
  const cause = (reason as { cause?: { code?: string; message?: string } }).cause;
  return errorDetail(
    ErrorCode.PROVIDER_UNAVAILABLE,
    `cannot reach ${url.host}: ${cause?.code ?? cause?.message ?? String(reason)}`,
  );
}
