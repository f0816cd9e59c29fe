import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { Channel, type Message, MessageSchema, MessageStatus } from "@hermes/runtime/contracts";
import { clients, keys, testApiKeys } from "./gateway-harness.js";
import { type GatewayProcess, spawnGateway } from "./gateway-process.js";
import { poll } from "./wait.js";

/** A leased bind's lease: fast enough for a test to wait out (docs/scale-out.md's bound). */
export const testLease = { leaseTtlMs: 2000, leaseRenewMs: 500 };

/**
 * Writes the config file of a cluster node: NATS at `natsUrl` (the streams and
 * buckets named by `prefix`) and one `sms` route with `sessions` binds on the
 * SMSC simulator at `smscPort`. Every node of a test reads the same file.
 */
export function writeClusterConfig(
  dir: string,
  options: {
    natsUrl: string;
    prefix: string;
    smscPort: number;
    sessions?: number;
    store?: Record<string, unknown>;
    smpp?: Record<string, unknown>;
  },
): string {
  const path = join(dir, `${options.prefix}.config.json`);
  writeFileSync(
    path,
    JSON.stringify({
      server: { host: "127.0.0.1", port: 0 },
      store: {
        kind: "nats",
        servers: [options.natsUrl],
        prefix: options.prefix,
        ackWaitMs: 3000,
        ...testLease,
        ...options.store,
      },
      apiKeys: testApiKeys,
      routes: [
        {
          name: "sms",
          channel: "sms",
          adapter: "smpp",
          retry: { maxAttempts: 20, initialBackoffMs: 50, maxBackoffMs: 500 },
          config: {
            host: "127.0.0.1",
            port: options.smscPort,
            systemId: "hermes",
            sessions: options.sessions ?? 2,
            window: 20,
            throughput: 0,
            reconnectInitialMs: 20,
            reconnectMaxMs: 200,
            ...options.smpp,
          },
        },
      ],
    }),
  );
  return path;
}

/** Starts `count` gateway processes on one config file, at once. */
export function startNodes(count: number, configPath: string): Promise<GatewayProcess[]> {
  return Promise.all(Array.from({ length: count }, () => spawnGateway(configPath)));
}

/** Stops what is still running, gracefully. */
export async function stopNodes(nodes: readonly GatewayProcess[]): Promise<void> {
  for (const node of nodes) node.child.kill("SIGTERM");
  await Promise.all(nodes.map((node) => node.exited));
}

/** Which node (by its URL) holds each bind's lease (`<route>.<bind>`), as the nodes see it. */
/**
 * One admin client per node, kept: polling with a new client (a new connection) per call
 * would soon meet the node's cap on connections per client address.
 */
const admins = new Map<string, ReturnType<typeof clients>["admin"]>();
function adminOf(url: string): ReturnType<typeof clients>["admin"] {
  let admin = admins.get(url);
  if (!admin) {
    admin = clients(url, keys.all).admin;
    admins.set(url, admin);
  }
  return admin;
}

export async function leaseHolders(
  nodes: readonly GatewayProcess[],
): Promise<Map<string, string | undefined>> {
  const held = new Map<string, string | undefined>();
  for (const node of nodes) {
    if (node.child.exitCode !== null || node.child.signalCode !== null) continue;
    const { cluster } = await adminOf(node.url).getHealth({});
    for (const lease of cluster?.leases ?? []) {
      if (!lease.key.includes(".")) continue; // not a bind (the housekeeping lease)
      if (lease.heldHere) held.set(lease.key, node.url);
      else if (!held.has(lease.key)) held.set(lease.key, undefined);
    }
  }
  return held;
}

/**
 * Kills (SIGKILL) the node holding `bindKey`'s lease and waits for the SMSC
 * to see that bind go, then all `binds` bound again (held by other nodes);
 * resolves with the node killed and the time from the kill to the last bind.
 */
export async function killBindHolder(
  nodes: readonly GatewayProcess[],
  holders: ReadonlyMap<string, string | undefined>,
  bindKey: string,
  smsc: { readonly boundSessions: number },
  limits: {
    readonly binds: number;
    readonly unboundWithinMs: number;
    readonly reboundWithinMs: number;
  },
): Promise<{ victim: GatewayProcess; failoverMs: number }> {
  const victim = nodes.find((n) => n.url === holders.get(bindKey))!;
  const killedAt = performance.now();
  victim.child.kill("SIGKILL");
  await victim.exited;
  await poll(
    () => smsc.boundSessions < limits.binds,
    () => "the SMSC never saw the bind go",
    limits.unboundWithinMs,
  );
  await poll(
    () => smsc.boundSessions === limits.binds,
    () => "the bind never came back",
    limits.reboundWithinMs,
  );
  return { victim, failoverMs: performance.now() - killedAt };
}

/** An SMS with a text of its own, so the SMSC's record tells duplicates apart. */
export function uniqueSms(text: string): Message {
  return create(MessageSchema, {
    channel: Channel.SMS,
    to: { kind: { case: "phone", value: "+447700900123" } },
    content: { text },
  });
}

const terminal = new Set([
  MessageStatus.DELIVERED,
  MessageStatus.FAILED,
  MessageStatus.EXPIRED,
  MessageStatus.REJECTED,
]);

/**
 * Waits until every message is terminal (read through `url`), then resolves
 * with each message and its events; fails after `timeoutMs` naming what is
 * still unfinished.
 */
export async function untilAllTerminal(
  url: string,
  ids: readonly string[],
  timeoutMs: number,
): Promise<Array<Awaited<ReturnType<ReturnType<typeof clients>["messages"]["getMessage"]>>>> {
  const { messages } = clients(url, keys.all);
  const deadline = Date.now() + timeoutMs;
  const done = new Map<string, Awaited<ReturnType<typeof messages.getMessage>>>();
  const last = new Map<string, string>();
  for (;;) {
    const open = ids.filter((id) => !done.has(id));
    for (let i = 0; i < open.length; i += 50) {
      const replies = await Promise.all(
        open.slice(i, i + 50).map((id) => messages.getMessage({ id })),
      );
      for (const reply of replies) {
        if (reply.message && terminal.has(reply.message.status)) done.set(reply.message.id, reply);
        else if (reply.message)
          last.set(
            reply.message.id,
            reply.events
              .map((e) => `${MessageStatus[e.status]}${e.detail.unmatched ? "?" : ""}`)
              .join(">"),
          );
      }
    }
    if (done.size === ids.length) return ids.map((id) => done.get(id)!);
    if (Date.now() > deadline) {
      const stuck = ids.filter((id) => !done.has(id));
      const seen = stuck.slice(0, 5).map((id) => `${id}: ${last.get(id)}`);
      throw new Error(
        `${stuck.length} of ${ids.length} messages never finished:\n${seen.join("\n")}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
