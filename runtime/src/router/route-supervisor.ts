import type { Logger } from "pino";
import { Supervisor, type ChildSpec, type Process } from "../kernel/index.js";

/**
 * The supervisor a route's adapter starts its actors under. The route's
 * subtree lives under the gateway's root supervisor; when it exceeds its
 * restart intensity the root starts a fresh one. Children an adapter added
 * are remembered as specs and started again in the new subtree, so the
 * adapter never holds a stale supervisor.
 */
export class RouteSupervisor {
  readonly #specs: ChildSpec[] = [];
  #current: Supervisor | undefined;

  private constructor(readonly name: string) {}

  /** Adds the route's subtree under `root` (one_for_one, 5 restarts in 30 s). */
  static async start(root: Supervisor, route: string, logger: Logger): Promise<RouteSupervisor> {
    const route_ = new RouteSupervisor(`route:${route}`);
    await root.startChild({
      id: route_.name,
      type: "supervisor",
      restart: "permanent",
      shutdown: 10_000,
      start: async () =>
        (route_.#current = await Supervisor.start({
          name: route_.name,
          strategy: "one_for_one",
          intensity: 5,
          period: 30_000,
          children: route_.#specs,
          logger,
        })),
    });
    return route_;
  }

  /** Starts a child in the current subtree and keeps its spec for the next. */
  async startChild(spec: ChildSpec): Promise<Process> {
    const process = await this.#supervisor().startChild(spec);
    this.#specs.push(spec);
    return process;
  }

  /** Stops a child and forgets its spec. */
  async removeChild(id: string): Promise<void> {
    const index = this.#specs.findIndex((s) => s.id === id);
    if (index >= 0) this.#specs.splice(index, 1);
    const supervisor = this.#supervisor();
    if (supervisor.whichChildren().some((c) => c.id === id)) {
      await supervisor.terminateChild(id);
      await supervisor.deleteChild(id);
    }
  }

  #supervisor(): Supervisor {
    if (!this.#current) throw new Error(`${this.name} is not running`);
    return this.#current;
  }
}
