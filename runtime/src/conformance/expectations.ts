// Compares what a plugin produced with what a fixture expects; each matcher
// returns "" when it matches, or a sentence saying the first difference.
import {
  DeliveryEventKind,
  MessageStatus,
  type DeliveryEvent,
} from "../gen/hermes/v1/message_pb.js";
import { ErrorCode } from "../gen/hermes/v1/error_pb.js";
import type { HttpRequest, SendResult } from "../gen/hermes/plugin/v1/plugin_pb.js";
import type { ExpectedEvent, ExpectedOutcome, ExpectedRequest } from "./cases.js";

export function matchRequest(
  expected: ExpectedRequest | undefined,
  request: HttpRequest,
  step: number,
): string {
  if (!expected) return "";
  const at = `step ${step}`;
  if (expected.method && request.method !== expected.method)
    return `${at}: method ${request.method}, expected ${expected.method}`;
  if (expected.url) {
    const ok = expected.url.startsWith("^")
      ? new RegExp(expected.url).test(request.url)
      : request.url === expected.url;
    if (!ok) return `${at}: URL ${request.url}, expected ${expected.url}`;
  }
  for (const [name, value] of Object.entries(expected.headers ?? {})) {
    const got = request.headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
    if (got !== value)
      return `${at}: header ${name} is ${got === undefined ? "missing" : JSON.stringify(got)}, expected ${JSON.stringify(value)}`;
  }
  const body = Buffer.from(request.body).toString("utf8");
  for (const part of expected.bodyIncludes ?? [])
    if (!body.includes(part))
      return `${at}: the body does not include ${JSON.stringify(part)}: ${body.slice(0, 300)}`;
  if (expected.bodyJson !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return `${at}: the body is not JSON: ${body.slice(0, 300)}`;
    }
    const difference = contains(parsed, expected.bodyJson, "body");
    if (difference) return `${at}: ${difference}`;
  }
  if (expected.bodyForm) {
    const form = new URLSearchParams(body);
    for (const [name, value] of Object.entries(expected.bodyForm)) {
      if (form.get(name) !== value)
        return `${at}: form field ${name} is ${JSON.stringify(form.get(name))}, expected ${JSON.stringify(value)}`;
    }
  }
  return "";
}

/**
 * "" when `actual` has everything `expected` has (objects member-wise, arrays item-wise, the rest
 * equal).
 */
function contains(actual: unknown, expected: unknown, path: string): string {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length)
      return `${path} is ${JSON.stringify(actual)}, expected ${expected.length} item(s)`;
    for (let i = 0; i < expected.length; i++) {
      const d = contains(actual[i], expected[i], `${path}[${i}]`);
      if (d) return d;
    }
    return "";
  }
  if (expected !== null && typeof expected === "object") {
    if (actual === null || typeof actual !== "object")
      return `${path} is ${JSON.stringify(actual)}, expected an object`;
    for (const [key, value] of Object.entries(expected)) {
      const d = contains((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
      if (d) return d;
    }
    return "";
  }
  return actual === expected
    ? ""
    : `${path} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`;
}

export function matchOutcome(expected: ExpectedOutcome, result: SendResult): string {
  if (result.outcome.case === "providerMessageId") {
    if (expected.outcome !== "submitted")
      return `submitted as ${result.outcome.value}, expected a ${expected.outcome} failure`;
    if (!result.outcome.value) return "submitted with an empty provider message id";
    if (
      expected.providerMessageId !== undefined &&
      result.outcome.value !== expected.providerMessageId
    ) {
      return `provider message id ${result.outcome.value}, expected ${expected.providerMessageId}`;
    }
    return "";
  }
  if (result.outcome.case !== "error")
    return "the result has neither a provider message id nor an error";
  const error = result.outcome.value;
  const got = `${ErrorCode[error.code]}${error.retryable ? " (retryable)" : ""}: ${error.message}`;
  if (expected.outcome === "submitted") return `failed with ${got}, expected submitted`;
  if (error.retryable !== (expected.outcome === "retryable"))
    return `failed with ${got}, expected ${expected.outcome}`;
  if (error.code === ErrorCode.UNSPECIFIED) return `the error has no code: ${got}`;
  if (!error.message) return "the error has no message";
  if (expected.code && ErrorCode[error.code] !== expected.code)
    return `failed with ${got}, expected code ${expected.code}`;
  if (expected.providerCode !== undefined && error.providerCode !== expected.providerCode)
    return `provider code "${error.providerCode}", expected "${expected.providerCode}"`;
  if (expected.retryAfterMs !== undefined && error.retryAfterMs !== expected.retryAfterMs)
    return `retry hint ${error.retryAfterMs} ms, expected ${expected.retryAfterMs} ms`;
  if (expected.messageIncludes && !error.message.includes(expected.messageIncludes))
    return `the error message "${error.message}" does not include "${expected.messageIncludes}"`;
  return "";
}

export function matchEvents(
  expected: readonly ExpectedEvent[],
  events: readonly DeliveryEvent[],
): string {
  const describe = (e: DeliveryEvent) =>
    `${e.providerMessageId}:${MessageStatus[e.status]}/${DeliveryEventKind[e.kind]}`;
  if (events.length !== expected.length)
    return `${events.length} event(s) [${events.map(describe).join(", ")}], expected ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    const want = expected[i]!;
    const got = events[i]!;
    if (got.providerMessageId !== want.providerMessageId)
      return `event ${i}: provider message id ${got.providerMessageId}, expected ${want.providerMessageId}`;
    if (want.status !== undefined && MessageStatus[got.status] !== want.status)
      return `event ${i}: status ${MessageStatus[got.status]}, expected ${want.status}`;
    if (
      want.errorCode !== undefined &&
      (!got.error || ErrorCode[got.error.code] !== want.errorCode)
    )
      return `event ${i}: error ${got.error ? ErrorCode[got.error.code] : "none"}, expected ${want.errorCode}`;
    if (want.providerCode !== undefined && got.error?.providerCode !== want.providerCode)
      return `event ${i}: provider code "${got.error?.providerCode ?? ""}", expected "${want.providerCode}"`;
    if (got.status === MessageStatus.FAILED && !got.error)
      return `event ${i}: a FAILED event must carry an error`;
  }
  return "";
}
