import { ErrorCode, HermesError } from "../errors/hermes-error.js";
import type { PluginRegistry } from "./plugin-registry.js";

/** How one route's swap went (the plugin host's ActivationResult). */
export interface RouteSwapResult {
  readonly route: string;
  readonly ok: boolean;
  readonly error?: Error;
}

/**
 * What the registry needs of the WASM plugin host (runtime/src/plugin-host,
 * `PluginHost`), stated structurally so the registry does not depend on it:
 * a source for routes configured with `plugin: "<name>"`, and a hot swap of
 * every route running a plugin.
 */
export interface SwappingHost {
  setSource(
    source:
      | { resolve(name: string): Promise<{ version: string; bytes: Uint8Array } | undefined> }
      | undefined,
  ): void;
  activate(name: string, version: string, bytes: Uint8Array): Promise<readonly RouteSwapResult[]>;
}

/**
 * Connects the registry to the plugin host: `plugin:` routes load the active
 * version from the registry, and every activation or rollback hot-swaps the
 * routes running that plugin. An activation is all or nothing: if any route
 * cannot load the new version, the routes that did are swapped back to the
 * version that was active, and the activation is refused with each route's
 * reason. Returns a function that undoes the binding (gateway shutdown).
 */
export function bindPluginHost(registry: PluginRegistry, host: SwappingHost): () => void {
  host.setSource({
    async resolve(name) {
      const active = registry.active(name);
      return active && { version: active.plugin.version, bytes: active.artifact };
    },
  });
  const removeListener = registry.addActivationListener({
    async pluginActivated(activation) {
      // Not yet recorded: the registry's active version is still the previous one.
      const previous = registry.active(activation.name);
      const results = await host.activate(activation.name, activation.version, activation.artifact);
      const failed = results.filter((r) => !r.ok);
      if (failed.length === 0) return;
      if (previous && failed.length < results.length)
        await host.activate(activation.name, previous.plugin.version, previous.artifact);
      const reasons = failed
        .map((r) => `route ${r.route}: ${r.error?.message ?? "failed"}`)
        .join("; ");
      throw new HermesError(
        ErrorCode.PLUGIN_REJECTED,
        `${activation.name}@${activation.version} was not activated: ${failed.length} of ${results.length} route(s) could not load it (${reasons})${previous ? `; ${previous.plugin.version} stays active` : ""}`,
      );
    },
  });
  return () => {
    removeListener();
    host.setSource(undefined);
  };
}
