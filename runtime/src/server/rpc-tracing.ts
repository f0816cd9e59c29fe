import { ConnectError, createContextKey, type Interceptor } from "@connectrpc/connect";
import { type MessageTracer, noSpan, type TraceSpan } from "../tracing/tracer.js";

/** The span of the call being handled; `noSpan` when the gateway does not trace. */
export const rpcSpanKey = createContextKey<TraceSpan>(noSpan, { description: "hermes rpc span" });

/**
 * A SERVER span around each RPC, the child of the caller's W3C
 * `traceparent` when it sends one. Installed only when tracing is on. A
 * streaming call's span covers its setup, not the stream.
 */
export function rpcTracing(tracer: MessageTracer): Interceptor {
  return (next) => async (req) => {
    const span = tracer.rpc(
      `${req.service.typeName}/${req.method.name}`,
      req.header.get("traceparent"),
    );
    req.contextValues.set(rpcSpanKey, span);
    try {
      return await next(req);
    } catch (reason) {
      const error = ConnectError.from(reason);
      span.set("rpc.connect_rpc.error_code", error.code);
      span.fail(error.rawMessage);
      throw reason;
    } finally {
      span.end();
    }
  };
}
