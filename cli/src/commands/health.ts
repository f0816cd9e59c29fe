import { toJson } from "@bufbuild/protobuf";
import { ux } from "@oclif/core";
import {
  GetHealthResponseSchema,
  ProcessState,
  RouteState,
  type GetHealthResponse,
  type ProcessNode,
} from "@hermes/runtime/contracts";
import { GatewayCommand } from "../gateway-command.js";
import { ExitCode } from "../errors/exit-codes.js";
import { Failure } from "../errors/failure.js";
import { drawTree } from "../output/tree.js";
import { renderTable } from "../output/table.js";
import { channelName, duration } from "../output/names.js";

export default class Health extends GatewayCommand<typeof Health> {
  static override summary = "Show the gateway's supervision tree and the state of every route.";
  static override description =
    `Draws the supervision tree (state, restarts, mailbox depth and demand of every process) and a table of routes. Exits ${ExitCode.Unhealthy} when a route is degraded or down, so it doubles as a probe. Needs an admin key.`;
  static override examples = [
    "<%= config.bin %> health",
    "<%= config.bin %> health --json | jq '.routes[] | select(.state != \"ROUTE_STATE_UP\")'",
  ];
  static override enableJsonFlag = true;

  public async run(): Promise<unknown> {
    const health = await this.gateway.admin.getHealth({});
    const unhealthy = health.routes.filter((r) => r.state !== RouteState.UP);
    if (this.jsonEnabled()) {
      this.logJson(toJson(GetHealthResponseSchema, health));
      if (unhealthy.length > 0) this.exit(ExitCode.Unhealthy);
      return undefined;
    }
    this.log(await describeHealth(health));
    if (unhealthy.length > 0) {
      throw new Failure(
        ExitCode.Unhealthy,
        `${unhealthy.length} of ${health.routes.length} routes are not up: ${unhealthy.map((r) => `${r.name} ${routeState(r.state)}${r.reason ? ` (${r.reason})` : ""}`).join(", ")}`,
        {
          reason: "unhealthy",
        },
      );
    }
    return undefined;
  }
}

async function describeHealth(health: GetHealthResponse): Promise<string> {
  const headline = `Hermes ${health.version} · ${health.healthy ? ux.colorize("green", "healthy") : ux.colorize("red", "unhealthy")} · up ${duration(Number(health.uptimeSeconds))}`;
  const tree = health.supervisionTree
    ? drawTree(health.supervisionTree, processLabel, (n) => n.children)
    : "(no supervision tree reported)";
  const routes = health.routes.length
    ? await renderTable(
        health.routes.map((r) => ({
          name: r.name,
          channel: channelName(r.channel),
          adapter: r.adapter,
          state: routeState(r.state),
          queued: String(r.queued),
          reason: r.reason,
          detail: Object.entries(r.detail)
            .map(([k, v]) => `${k}=${v}`)
            .join(" "),
        })),
        [
          { key: "name", name: "Route" },
          { key: "channel", name: "Channel" },
          { key: "adapter", name: "Adapter" },
          { key: "state", name: "State" },
          { key: "queued", name: "Queued" },
          { key: "reason", name: "Reason" },
          { key: "detail", name: "Detail" },
        ],
      )
    : "(no routes configured)";
  return `${headline}\n\n${tree}\n\n${routes}`;
}

function processLabel(node: ProcessNode): string {
  const state = ProcessState[node.state]?.toLowerCase() ?? "unknown";
  const colored =
    node.state === ProcessState.RUNNING
      ? ux.colorize("green", state)
      : node.state === ProcessState.FAILED
        ? ux.colorize("red", state)
        : ux.colorize("yellow", state);
  const facts = [
    node.kind + (node.strategy ? ` ${node.strategy}` : ""),
    colored,
    node.restarts > 0 && ux.colorize("yellow", `restarts ${node.restarts}`),
    node.mailboxDepth > 0 && `mailbox ${node.mailboxDepth}`,
    ...Object.entries(node.detail).map(([k, v]) => `${k}=${v}`),
  ].filter(Boolean);
  return `${ux.colorize("bold", node.name)}  ${facts.join("  ")}`;
}

function routeState(state: RouteState): string {
  return RouteState[state]?.toLowerCase() ?? "unknown";
}
