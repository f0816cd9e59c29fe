import type { ChildSpec, Supervisor } from "../kernel/index.js";
import type { BindLeases } from "./adapter.js";

/**
 * Children of a supervisor that run only while this node holds their lease
 * (a carrier's binds, on a cluster): a child starts when its lease is taken
 * here and is stopped when the lease is lost or given back. A supervisor
 * that is started again starts with `held()`, the children whose leases it
 * has now.
 */
export class LeasedChildren {
  readonly #leases: BindLeases;
  readonly #keyOf: (id: string) => string;
  readonly #specs: readonly ChildSpec[];
  readonly #supervisor: () => Supervisor | undefined;
  readonly #held = new Set<string>();
  readonly #releases: Array<() => Promise<void>> = [];

  constructor(
    leases: BindLeases,
    keyOf: (id: string) => string,
    specs: readonly ChildSpec[],
    supervisor: () => Supervisor | undefined,
  ) {
    this.#leases = leases;
    this.#keyOf = keyOf;
    this.#specs = specs;
    this.#supervisor = supervisor;
  }

  /** The specs of the children whose leases are held here. */
  held(): ChildSpec[] {
    return this.#specs.filter((spec) => this.#held.has(spec.id));
  }

  /** Starts competing for every child's lease. */
  start(): void {
    for (const spec of this.#specs) {
      const release = this.#leases.hold(this.#keyOf(spec.id), {
        acquired: async () => {
          this.#held.add(spec.id);
          await this.#supervisor()?.startChild(spec);
        },
        lost: async () => {
          this.#held.delete(spec.id);
          const supervisor = this.#supervisor();
          if (supervisor?.whichChildren().some((c) => c.id === spec.id)) {
            await supervisor.terminateChild(spec.id);
            await supervisor.deleteChild(spec.id);
          }
        },
      });
      this.#releases.push(release);
    }
  }

  /** Stops the children it holds and gives their leases back. */
  async stop(): Promise<void> {
    await Promise.all(this.#releases.splice(0).map((release) => release()));
  }
}
