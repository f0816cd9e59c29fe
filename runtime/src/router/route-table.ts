import type { Channel } from "../gen/hermes/v1/message_pb.js";
import type { RouteConfig } from "../config/gateway-config.js";

/**
 * Picks the route for a (tenant, channel): routes are tried in config order,
 * a tenant-specific route before a wildcard one, and a route that is down is
 * skipped so traffic fails over.
 */
export class RouteTable {
  readonly #routes: readonly RouteConfig[];
  /** Candidates by tenant and channel, worked out once: every accept asks. */
  readonly #candidates = new Map<string, readonly RouteConfig[]>();

  constructor(routes: readonly RouteConfig[]) {
    this.#routes = routes;
  }

  /** Every route that may serve the pair, best first. */
  candidates(tenant: string, channel: Channel): readonly RouteConfig[] {
    const key = `${channel}\u0000${tenant}`;
    let found = this.#candidates.get(key);
    if (!found) {
      const serving = this.#routes.filter((r) => r.channel === channel);
      const own = serving.filter((r) => r.tenants.includes(tenant));
      const shared = serving.filter((r) => !r.tenants.includes(tenant) && r.tenants.includes("*"));
      found = [...own, ...shared];
      this.#candidates.set(key, found);
    }
    return found;
  }

  /** The first candidate that is up, else the first candidate (it may recover). */
  select(
    tenant: string,
    channel: Channel,
    isUp: (route: string) => boolean,
  ): RouteConfig | undefined {
    const candidates = this.candidates(tenant, channel);
    return candidates.find((r) => isUp(r.name)) ?? candidates[0];
  }
}
