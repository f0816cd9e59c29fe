import { ErrorCode, HermesError } from "../errors/hermes-error.js";
import { defaultPolicy, type HostPolicy } from "./policy.js";
import { PluginMetrics } from "./plugin-telemetry.js";

/**
 * Where routes configured with `plugin: "<name>"` get the active version's bytes (the plugin
 * registry).
 */
export interface PluginSource {
  /** The active version of `name`, or undefined if none is published/active. */
  resolve(
    name: string,
  ): Promise<{ readonly version: string; readonly bytes: Uint8Array } | undefined>;
}

/** What the host needs of a running WASM route to swap its plugin. */
export interface SwappableRoute {
  readonly route: string;
  /** The plugin name and version the route runs now. */
  current():
    | { readonly name: string; readonly version: string; readonly sha256: string }
    | undefined;
  /** Switches to `bytes`; rejects (keeping the old version) if its manifest is not `expect`. */
  swap(
    bytes: Uint8Array,
    expect?: { readonly name: string; readonly version: string },
  ): Promise<void>;
}

/** How activating a version went on one route. */
export interface ActivationResult {
  readonly route: string;
  readonly ok: boolean;
  /** The version the route runs after the attempt (the old one if the swap failed). */
  readonly version: string;
  readonly error?: HermesError;
}

/**
 * A gateway's WASM plugin host (each gateway has its own): the policy every plugin is capped by,
 * plugin metrics, the source of published plugins, and the running WASM
 * routes. The plugin registry calls `activate` to hot-swap a plugin on every
 * route that uses it.
 */
export class PluginHost {
  readonly metrics = new PluginMetrics();
  #policy: HostPolicy;
  #source: PluginSource | undefined;
  readonly #routes = new Set<SwappableRoute>();

  constructor(policy: HostPolicy = defaultPolicy) {
    this.#policy = policy;
  }

  get policy(): HostPolicy {
    return this.#policy;
  }

  /** Replaces the host policy for plugins loaded from now on. */
  setPolicy(policy: Partial<HostPolicy>): void {
    this.#policy = { ...this.#policy, ...policy };
  }

  /** Installs the registry as the source of `plugin: "<name>"` routes. */
  setSource(source: PluginSource | undefined): void {
    this.#source = source;
  }

  async resolve(name: string): Promise<{ version: string; bytes: Uint8Array }> {
    const found = this.#source ? await this.#source.resolve(name) : undefined;
    if (!found) {
      throw new HermesError(
        ErrorCode.CONFIG_INVALID,
        `plugin "${name}" has no active version${this.#source ? "" : " (no plugin registry is attached)"}`,
        { field: "config.plugin" },
      );
    }
    return found;
  }

  /** Routes register while running, so `activate` can reach them. */
  attach(route: SwappableRoute): () => void {
    this.#routes.add(route);
    return () => this.#routes.delete(route);
  }

  /** The running WASM routes and what they run. */
  routes(): Array<{ route: string; plugin: string; version: string; sha256: string }> {
    return [...this.#routes].flatMap((r) => {
      const current = r.current();
      return current
        ? [
            {
              route: r.route,
              plugin: current.name,
              version: current.version,
              sha256: current.sha256,
            },
          ]
        : [];
    });
  }

  /**
   * Hot-swaps plugin `name` to `bytes` (which must carry that name and
   * `version` in their manifest) on every route running it. Each route loads,
   * describes and configures the new version first and keeps the old one if
   * that fails; sends in flight finish on the version they started on.
   * Resolves with one result per route; it never rejects for a route's failure.
   */
  async activate(name: string, version: string, bytes: Uint8Array): Promise<ActivationResult[]> {
    const targets = [...this.#routes].filter((r) => r.current()?.name === name);
    return Promise.all(
      targets.map(async (route): Promise<ActivationResult> => {
        try {
          await route.swap(bytes, { name, version });
          return { route: route.route, ok: true, version };
        } catch (reason) {
          return {
            route: route.route,
            ok: false,
            version: route.current()?.version ?? "",
            error: HermesError.from(reason, ErrorCode.PLUGIN_REJECTED),
          };
        }
      }),
    );
  }
}
