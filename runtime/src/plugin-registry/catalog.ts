import type { PublicKey } from "./signing/keys.js";
import type {
  ActivationResult,
  PluginVersionInfo,
  PublishResult,
  TrustedKeyInfo,
} from "./plugin-registry.js";

/**
 * What PluginService asks of a plugin registry: the gateway's own
 * (`PluginRegistry`, in its SQLite file) on one node, or the cluster's
 * (cluster/cluster-plugins.ts), which keeps every node's registry in step
 * through NATS.
 */
export interface PluginCatalog {
  publish(artifact: Uint8Array, options?: { activate?: boolean }): Promise<PublishResult>;
  activate(name: string, version: string): Promise<ActivationResult>;
  rollback(name: string): Promise<ActivationResult>;
  trustKey(
    key: PublicKey | Uint8Array | string,
    comment?: string,
  ): TrustedKeyInfo | Promise<TrustedKeyInfo>;
  trustedKeys(): TrustedKeyInfo[];
  list(name?: string): PluginVersionInfo[];
}
