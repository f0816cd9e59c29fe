// The hermes.plugin.v1 contracts (proto/hermes/plugin/v1): the host/plugin
// ABI shared by native and WASM adapters, as protoc-gen-es generates it.
export * from "../../gen/hermes/plugin/v1/plugin_pb.js";
export * from "../../gen/hermes/plugin/v1/host_pb.js";
