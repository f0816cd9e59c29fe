// The Hermes plugin SDK for AssemblyScript (docs/plugin-sdk.md).
export { Plugin, register } from "./plugin";
export * from "./gen/hermes/plugin/v1/plugin_pb";
export * from "./gen/hermes/plugin/v1/host_pb";
export * from "./gen/hermes/v1/message_pb";
export * from "./gen/hermes/v1/error_pb";
export { Timestamp } from "./gen/google/protobuf/timestamp_pb";
export { Reader, Writer } from "./proto";
