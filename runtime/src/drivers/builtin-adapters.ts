import type { PluginHost } from "../plugin-host/plugin-host.js";
import type { AdapterFactory } from "../router/adapter.js";

/**
 * A gateway's built-in adapter types by the name a route's `adapter` field
 * uses, loaded on first use. `wasm` routes run on the gateway's own plugin host.
 */
export function builtinAdapters(
  pluginHost: PluginHost,
): Readonly<Record<string, () => Promise<AdapterFactory>>> {
  return {
    webhook: () => import("./webhook/webhook-adapter.js").then((m) => m.createWebhookAdapter),
    wasm: () =>
      import("../plugin-host/wasm-adapter-factory.js").then((m) =>
        m.wasmAdapterFactory(pluginHost),
      ),
    smpp: () => import("./smpp/adapter.js").then((m) => m.createSmppAdapter),
    smtp: () => import("./smtp/smtp-adapter.js").then((m) => m.createSmtpAdapter),
  };
}
