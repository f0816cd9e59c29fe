import type { Manifest } from "../gen/hermes/plugin/v1/plugin_pb.js";

/** A plugin version becoming the one that serves new calls. */
export interface PluginActivation {
  readonly name: string;
  readonly version: string;
  /** The version it replaces; undefined for a plugin's first activation. */
  readonly previousVersion?: string;
  readonly reason: "activate" | "rollback";
  /** Hex SHA-256 of the artifact. */
  readonly sha256: string;
  /** The verified, compiled-once .wasm artifact. */
  readonly artifact: Uint8Array;
  readonly manifest: Manifest;
}

/**
 * What the WASM plugin host implements to hot-swap plugins. The registry
 * awaits every listener before it records an activation: a listener that
 * throws (the host cannot instantiate the version) vetoes it, the previous
 * version stays active and the caller gets the listener's error.
 */
export interface PluginActivationListener {
  pluginActivated(activation: PluginActivation): Promise<void> | void;
}
