import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  type AdminService,
  ClusterHealthSchema,
  ProcessNodeSchema,
  ProcessState,
  RouteHealthSchema,
  RouteState,
  SmppServerHealthSchema,
  type ProcessNode,
} from "../../gen/hermes/v1/admin_service_pb.js";
import type { ProcessSnapshot, Supervisor } from "../../kernel/index.js";
import type { Router } from "../../router/router.js";
import type { RouteCounts } from "../metrics.js";

export interface AdminServiceDeps {
  readonly router: Router;
  readonly root: Supervisor;
  readonly version: string;
  readonly startedAt: number;
  /** Each route's counts since start, for rates. */
  readonly counts: (route: string) => Readonly<RouteCounts>;
  readonly cluster?: ClusterHealthSource;
  readonly smppServer?: SmppServerHealthSource;
}

/** This node's view of its cluster, as GetHealth reports it. */
export type ClusterHealthSource = () => MessageInitShape<typeof ClusterHealthSchema>;

/** The SMPP server's bound accounts, as GetHealth reports them. */
export type SmppServerHealthSource = () => Promise<MessageInitShape<typeof SmppServerHealthSchema>>;

/** hermes.v1.AdminService: the supervision tree and the state of every route. */
export function adminService(deps: AdminServiceDeps): ServiceImpl<typeof AdminService> {
  return {
    async getHealth() {
      const routes = deps.router.routes.map((route) => {
        const health = deps.router.health(route);
        const counts = deps.counts(route.config.name);
        return create(RouteHealthSchema, {
          name: route.config.name,
          channel: route.config.channel,
          adapter: route.adapter.type,
          state: health.state,
          reason: health.reason ?? "",
          queued: BigInt(route.feeder.queued),
          detail: { in_flight: String(route.feeder.inFlight), ...health.detail },
          counters: {
            attempts: BigInt(counts.attempts),
            delivered: BigInt(counts.delivered),
            failed: BigInt(counts.failed),
            expired: BigInt(counts.expired),
          },
        });
      });
      const cluster = deps.cluster && create(ClusterHealthSchema, deps.cluster());
      const smppServer = deps.smppServer && create(SmppServerHealthSchema, await deps.smppServer());
      return {
        healthy: routes.every((r) => r.state === RouteState.UP) && (cluster?.connected ?? true),
        cluster,
        smppServer,
        supervisionTree: toProcessNode(deps.root.snapshot()),
        routes,
        version: deps.version,
        uptimeSeconds: BigInt(Math.floor((Date.now() - deps.startedAt) / 1000)),
      };
    },
  };
}

const states: Readonly<Record<ProcessSnapshot["state"], ProcessState>> = {
  starting: ProcessState.STARTING,
  running: ProcessState.RUNNING,
  restarting: ProcessState.RESTARTING,
  stopping: ProcessState.STOPPING,
  stopped: ProcessState.STOPPED,
  failed: ProcessState.FAILED,
};

/** The kernel's snapshot in the contract's shape. */
export function toProcessNode(snapshot: ProcessSnapshot): ProcessNode {
  return create(ProcessNodeSchema, {
    name: snapshot.name,
    kind: snapshot.kind,
    state: states[snapshot.state] ?? ProcessState.UNSPECIFIED,
    restarts: snapshot.restarts,
    mailboxDepth: snapshot.mailboxDepth,
    strategy: snapshot.strategy ?? "",
    children: snapshot.children.map(toProcessNode),
    detail: snapshot.detail,
  });
}
