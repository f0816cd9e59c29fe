import { ErrorCode, HermesError } from "../../errors/hermes-error.js";
import type { AdapterFactory } from "../../router/adapter.js";
import { WebhookAdapter } from "./webhook-adapter.js";

export { WebhookAdapter, type WebhookAdapterConfig } from "./webhook-adapter.js";

/** Builds a webhook route's adapter from its config: url?, headers?, concurrency (16), timeoutMs (10000). */
export const createWebhookAdapter: AdapterFactory = (config) => {
  const url = config.url;
  if (url !== undefined && (typeof url !== "string" || !/^https?:\/\//.test(url))) {
    throw new HermesError(ErrorCode.CONFIG_INVALID, "webhook url must be an http(s) URL", {
      field: "config.url",
    });
  }
  const headers = (config.headers ?? {}) as Record<string, string>;
  return new WebhookAdapter({
    url: url as string | undefined,
    headers,
    concurrency: typeof config.concurrency === "number" ? config.concurrency : 16,
    timeoutMs: typeof config.timeoutMs === "number" ? config.timeoutMs : 10_000,
  });
};
