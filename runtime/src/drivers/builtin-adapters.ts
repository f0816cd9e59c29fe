import type { AdapterFactory } from "../router/adapter.js";

/**
 * Built-in adapter types by the name a route's `adapter` field uses. Each
 * driver module exports its factory; a route names one of these.
 */
export const builtinAdapters: Readonly<Record<string, () => Promise<AdapterFactory>>> = {
  webhook: () => import("./webhook/index.js").then((m) => m.createWebhookAdapter),
  wasm: () => import("../plugin-host/index.js").then((m) => m.createWasmAdapter),
  smpp: () => import("./smpp/index.js").then((m) => m.createSmppAdapter),
  smtp: () => import("./smtp/index.js").then((m) => m.createSmtpAdapter),
};
