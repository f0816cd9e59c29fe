import type { Interceptor } from "@connectrpc/connect";
import type { GatewayMetrics } from "./metrics.js";

/** Records how long each RPC took, labelled by method and outcome (a Connect code, or "ok"). */
export function rpcTiming(metrics: GatewayMetrics): Interceptor {
  return (next) => async (req) => {
    const started = performance.now();
    try {
      const res = await next(req);
      metrics.rpc(req.method.name, "ok", (performance.now() - started) / 1000);
      return res;
    } catch (reason) {
      const code = (reason as { code?: unknown }).code;
      const label = code !== undefined ? String(code) : "unknown";
      metrics.rpc(req.method.name, label, (performance.now() - started) / 1000);
      throw reason;
    }
  };
}
