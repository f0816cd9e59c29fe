import type { Logger } from "pino";
import type { ClusterNode } from "../cluster/cluster-node.js";
import type { GatewayConfig } from "../config/gateway-config.js";
import { PluginHost } from "../plugin-host/plugin-host.js";
import { compilePlugin } from "../plugin-host/plugin-module.js";
import { bindPluginHost, type PluginCatalog, PluginRegistry } from "../plugin-registry/index.js";

/** A gateway's WASM plugins: the host that runs them and the registry that publishes them. */
export interface Plugins {
  readonly host: PluginHost;
  readonly registry: PluginRegistry;
  /** What PluginService serves: the registry, or on a cluster its cluster-wide view. */
  readonly catalog: PluginCatalog;
  close(): void;
}

/**
 * Creates the gateway's own plugin host and its registry (in the gateway's
 * SQLite file; on a cluster a replica of the cluster's, rebuilt at every
 * start), bound so that `plugin:` routes load the active version and every
 * activation hot-swaps them. Call before the routes start.
 */
export async function openPlugins(
  config: GatewayConfig,
  node: ClusterNode | undefined,
  log: Logger,
): Promise<Plugins> {
  const host = new PluginHost();
  const registry = new PluginRegistry({
    path: node ? ":memory:" : config.store.path,
    synchronous: config.store.synchronous,
    maxArtifactBytes: config.plugins.maxArtifactBytes,
    allowUnsigned: config.plugins.allowUnsigned,
    log: log.child({ component: "plugin-registry" }),
    // Refuse at publish what the host's sandbox would refuse at activation.
    validate: async (artifact) => void (await compilePlugin(artifact, host.policy)),
  });
  const unbind = bindPluginHost(registry, host);
  const catalog = node ? await node.plugins(registry) : registry;
  return {
    host,
    registry,
    catalog,
    close() {
      unbind();
      registry.close();
    },
  };
}
