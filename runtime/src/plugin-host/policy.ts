import type { Limits } from "../gen/hermes/plugin/v1/plugin_pb.js";

/**
 * The host's own limits. A plugin's manifest asks for limits; the host
 * grants each up to its cap here, and applies the default when the plugin
 * asks for nothing (0).
 */
export interface HostPolicy {
  readonly defaultCallTimeoutMs: number;
  readonly maxCallTimeoutMs: number;
  /** Guest linear memory, in 64 KiB pages. */
  readonly defaultMemoryPages: number;
  readonly maxMemoryPages: number;
  /** Largest input or output of one call, and of one host-service request. */
  readonly defaultIoBytes: number;
  readonly maxIoBytes: number;
  readonly defaultHttpResponseBytes: number;
  readonly maxHttpResponseBytes: number;
  readonly defaultHttpTimeoutMs: number;
  readonly maxHttpTimeoutMs: number;
  /** HTTP requests one send may make (OAuth token, then the send, ...). */
  readonly maxHttpSteps: number;
}

export const defaultPolicy: HostPolicy = {
  defaultCallTimeoutMs: 1000,
  maxCallTimeoutMs: 5000,
  defaultMemoryPages: 256, // 16 MiB
  maxMemoryPages: 1024, // 64 MiB
  defaultIoBytes: 1 << 20,
  maxIoBytes: 4 << 20,
  defaultHttpResponseBytes: 1 << 20,
  maxHttpResponseBytes: 8 << 20,
  defaultHttpTimeoutMs: 10_000,
  maxHttpTimeoutMs: 30_000,
  maxHttpSteps: 5,
};

/** What a plugin actually gets: its manifest's limits, capped by policy. */
export interface EffectiveLimits {
  readonly callTimeoutMs: number;
  readonly memoryPages: number;
  readonly ioBytes: number;
  readonly httpResponseBytes: number;
}

export function effectiveLimits(asked: Limits | undefined, policy: HostPolicy): EffectiveLimits {
  const grant = (value: number | undefined, fallback: number, cap: number) =>
    Math.min(value || fallback, cap);
  return {
    callTimeoutMs: grant(
      asked?.callTimeoutMs,
      policy.defaultCallTimeoutMs,
      policy.maxCallTimeoutMs,
    ),
    memoryPages: grant(asked?.maxMemoryPages, policy.defaultMemoryPages, policy.maxMemoryPages),
    ioBytes: grant(asked?.maxIoBytes, policy.defaultIoBytes, policy.maxIoBytes),
    httpResponseBytes: grant(
      asked?.maxHttpResponseBytes,
      policy.defaultHttpResponseBytes,
      policy.maxHttpResponseBytes,
    ),
  };
}
