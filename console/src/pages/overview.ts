// Overview: every route with its state, throughput and queue depth, and the
// supervision tree, read from GetHealth every two seconds.
import {
  Channel,
  type GetHealthResponse,
  type ProcessNode,
  ProcessState,
  RouteState,
} from "@hermes/runtime/contracts";
import { describe } from "../api.js";
import { h, show } from "../dom.js";
import { duration, enumName } from "../format.js";
import type { PageEntry } from "../page.js";
import { badge, pairs, problem, row, table } from "../widgets.js";

const everyMs = 2000;

/** A route's counters at one reading, for rates between two. */
interface Reading {
  readonly at: number;
  readonly attempts: bigint;
  readonly delivered: bigint;
}

export const overviewPage: PageEntry = {
  title: "Overview",
  needs: "admin",
  open(session) {
    const element = h("div", { class: "overview" }, h("p", null, "Loading…"));
    const previous = new Map<string, Reading>();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const refresh = async () => {
      try {
        const health = await session.api.admin.getHealth({});
        if (!stopped) show(element, ...render(health, previous));
      } catch (error) {
        if (!stopped) show(element, problem(`Health could not be read: ${describe(error)}`));
      }
      if (!stopped) timer = setTimeout(refresh, everyMs);
    };
    void refresh();
    return {
      element,
      stop() {
        stopped = true;
        clearTimeout(timer);
      },
    };
  },
};

function render(health: GetHealthResponse, previous: Map<string, Reading>) {
  const now = Date.now();
  const routes = health.routes.map((route) => {
    const counters = route.counters;
    const reading = {
      at: now,
      attempts: counters?.attempts ?? 0n,
      delivered: counters?.delivered ?? 0n,
    };
    const before = previous.get(route.name);
    previous.set(route.name, reading);
    const rate = (field: "attempts" | "delivered") =>
      before && now > before.at
        ? ((Number(reading[field] - before[field]) * 1000) / (now - before.at)).toFixed(1)
        : "…";
    const state = enumName(RouteState, route.state);
    return row(
      [
        route.name,
        enumName(Channel, route.channel).toLowerCase(),
        route.adapter,
        badge(state),
        route.reason,
        String(route.queued),
        route.detail.in_flight ?? "",
        `${rate("attempts")} /s`,
        `${rate("delivered")} /s`,
        String(counters?.delivered ?? 0n),
        String((counters?.failed ?? 0n) + (counters?.expired ?? 0n)),
      ],
      { "data-route": route.name, "data-state": state },
    );
  });
  const cluster = health.cluster;
  return [
    h(
      "div",
      { class: "summary" },
      badge(health.healthy ? "UP" : "DEGRADED"),
      ` ${health.healthy ? "healthy" : "not healthy"} · version ${health.version} · up ${duration(health.uptimeSeconds)}`,
      cluster &&
        ` · node ${cluster.node} ${cluster.connected ? "connected to" : "disconnected from"} ${cluster.server}`,
    ),
    h("h2", null, "Routes"),
    table(
      [
        "route",
        "channel",
        "adapter",
        "state",
        "reason",
        "queued",
        "in flight",
        "sends",
        "delivered",
        "delivered (total)",
        "failed (total)",
      ],
      routes,
    ),
    h("h2", null, "Supervision tree"),
    h("ul", { class: "tree" }, health.supervisionTree && processNode(health.supervisionTree)),
  ];
}

function processNode(node: ProcessNode): HTMLElement {
  const details = Object.entries(node.detail);
  return h(
    "li",
    { "data-process": node.name },
    h(
      "span",
      { class: "process" },
      badge(enumName(ProcessState, node.state)),
      ` ${node.name}`,
      h(
        "small",
        null,
        ` ${node.kind}${node.strategy ? ` ${node.strategy}` : ""}`,
        node.restarts > 0 && ` · ${node.restarts} restarts`,
        node.mailboxDepth > 0 && ` · mailbox ${node.mailboxDepth}`,
      ),
    ),
    details.length > 0 && pairs(details),
    node.children.length > 0 && h("ul", null, ...node.children.map(processNode)),
  );
}
