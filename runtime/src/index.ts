// @hermes/runtime: run a Hermes gateway inside a Node service, and extend it
// with channel adapters and stores. Further subpaths: /kernel, /drivers,
// /plugin-host, /plugin-registry, /conformance, /contracts,
// /contracts/plugin, /simulators, /dev and /smpp-server (docs/embedding.md).

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
  ConsoleConfig,
  GatewayConfig,
  RetryPolicy,
  RouteConfig,
  Scope,
  TracingConfig,
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
export { isTerminal, lostAttempt, matchesFilter } from "./store/message-state.js";
export type { MessageState } from "./store/message-state.js";
export type {
  AcceptResult,
  Correlation,
  CorrelationCandidate,
  EventFilter,
  MessageQuery,
  MessageStore,
  NewMessage,
  Transition,
  TransitionOutcome,
  UnfinishedMessage,
} from "./store/message-store.js";
export { toDeliveryEvent } from "./store/event-record.js";
export type { EventInit, EventRecord } from "./store/event-record.js";
export { messageStoreContract, newMessage } from "./store/message-store-contract.js";
export type { StoreUnderTest } from "./store/message-store-contract.js";
export type {
  SuppressionChange,
  SuppressionEntry,
  SuppressionStore,
  SuppressionUpdate,
} from "./store/suppression-store.js";
export { suppressionEntry, suppressionStoreContract } from "./store/suppression-store-contract.js";
export type { CascadeRecord, CascadeStore } from "./store/cascade-store.js";
export { cascadeStoreContract } from "./store/cascade-store-contract.js";
export type { CascadeProgress, StepProgress, StepState } from "./cascades/cascade-rules.js";
export { SqliteStore } from "./store/sqlite/sqlite-store.js";
export type { SqliteStoreOptions } from "./store/sqlite/sqlite-store.js";
export type { RouterMetrics } from "./router/router-metrics.js";
export { noSpan, noTracing } from "./tracing/tracer.js";
export type { MessageTracer, SpanKindName, SpanValue, TraceSpan } from "./tracing/tracer.js";
export { ErrorCode, HermesError, errorDetail } from "./errors/hermes-error.js";
export type { ErrorDetail, ErrorOptions } from "./errors/hermes-error.js";

// Internal: for Hermes's own tests and benchmarks; no semver.
export { RouteFeeder } from "./router/route-feeder.js";
