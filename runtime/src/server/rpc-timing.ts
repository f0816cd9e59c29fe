import type { Interceptor } from "@connectrpc/connect";
import type { GatewayMetrics } from "./metrics.js";

/** Records how long each RPC took, labelled by method and outcome (a Connect code, or "ok"). */
export function rpcTiming(metrics: GatewayMetrics): Interceptor {
  return (next) => async (req) => {
    const stop = metrics.rpcDuration.startTimer({ method: req.method.name });
    try {
      const res = await next(req);
      stop({ code: "ok" });
      return res;
    } catch (reason) {
      const code = (reason as { code?: unknown }).code;
      stop({ code: code !== undefined ? String(code) : "unknown" });
      throw reason;
    }
  };
}
