// Stand-ins for what a gateway talks to, for development (`hermes dev`) and
// tests: an SMSC, KumoMTA, provider APIs (Twilio, SendGrid) and an HTTP sink;
// and a minimal SMSC in its own process for benchmarks.

export { SmscSimulator, defaultBehaviour } from "./smsc/smsc-simulator.js";
export type {
  AddressedFailure,
  AddressedReceipt,
  ReceivedSubmit,
  SmscBehaviour,
  SmscStats,
} from "./smsc/smsc-simulator.js";
export { startSmscDevService } from "./smsc/dev-service.js";
export { startBenchSmsc } from "./bench-smsc/bench-smsc-process.js";
export type { BenchSmscProcess, BenchSmscStats } from "./bench-smsc/bench-smsc-process.js";
export type { BenchSmscCounters, BenchSmscOptions } from "./bench-smsc/bench-smsc.js";
export type { SmscDevService } from "./smsc/dev-service.js";
export { KumoSimulator } from "./kumomta/kumo-simulator.js";
export type { KumoSimulatorOptions } from "./kumomta/kumo-simulator.js";
export type { LogHookOptions } from "./kumomta/log-hook-publisher.js";
export type { Mix } from "./kumomta/outcomes.js";
export { selfSignedCertificate, selfSignedKey } from "./kumomta/self-signed.js";
export { HttpSink } from "./providers/http-sink.js";
export type { SinkAnswer, SinkRequest } from "./providers/http-sink.js";
export { ProviderMock } from "./providers/provider-mock.js";
export { SendGridMock } from "./providers/sendgrid-mock.js";
export { TwilioMock } from "./providers/twilio-mock.js";
export {
  devProviderNames,
  devProviderTemplate,
  startProviderDevService,
} from "./providers/dev-service.js";
export type { DevProviderName, ProviderDevService } from "./providers/dev-service.js";
export { NatsServer, natsServerBinary } from "./nats/nats-server.js";
