// @hermes/runtime: run a Hermes gateway inside a Node service, and extend it
// with channel adapters and stores. Further subpaths: /kernel, /drivers,
// /plugin-host, /plugin-registry, /conformance, /contracts,
// /contracts/plugin, /simulators and /dev (docs/embedding.md).

export { startGateway, version } from "./gateway.js";
export type { Gateway, GatewayOptions } from "./gateway.js";
export {
  defaultConfig,
  defaultConfigPath,
  loadConfig,
  parseConfig,
} from "./config/gateway-config.js";
export type {
  ApiKeyConfig,
  GatewayConfig,
  RetryPolicy,
  RouteConfig,
  Scope,
} from "./config/gateway-config.js";
export { RouteSupervisor } from "./router/route-supervisor.js";
export type {
  AdapterContext,
  AdapterFactory,
  AdapterHealth,
  ChannelAdapter,
  ProviderReport,
  SendOutcome,
  WebhookReply,
  WebhookRequest,
} from "./router/adapter.js";
export type { AcceptOutcome, Router, RouteRuntime } from "./router/router.js";
export { isTerminal, matchesFilter } from "./store/message-store.js";
export type { AcceptResult, EventFilter, MessageStore, Transition } from "./store/message-store.js";
export { ErrorCode, HermesError, errorDetail } from "./errors/hermes-error.js";
export type { ErrorDetail, ErrorOptions } from "./errors/hermes-error.js";

// Internal: for Hermes's own tests and benchmarks; no semver.
export { RouteFeeder } from "./router/route-feeder.js";
