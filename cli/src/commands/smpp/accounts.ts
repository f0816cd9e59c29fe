import { create, toJson } from "@bufbuild/protobuf";
import { SmppServerHealthSchema } from "@hermes/runtime/contracts";
import { GatewayCommand } from "../../gateway-command.js";
import { renderTable } from "../../output/table.js";

export default class SmppAccounts extends GatewayCommand<typeof SmppAccounts> {
  static override summary = "List the accounts bound to the gateway's SMPP server.";
  static override description =
    "For each account with a bind open: its tenant, its binds by kind (transmitter, receiver, transceiver) against its maxBinds, submits waiting for an answer against its window, message parts in the last second against its throughput, deliver_sm unanswered and receipts waiting in its outbox. Accounts themselves live in the gateway config (docs/smpp-server.md). Needs an admin key.";
  static override examples = [
    "<%= config.bin %> smpp accounts",
    "<%= config.bin %> smpp accounts --json | jq '.accounts[].systemId'",
  ];
  static override enableJsonFlag = true;

  public async run(): Promise<unknown> {
    const health = await this.gateway.admin.getHealth({});
    const server = health.smppServer ?? create(SmppServerHealthSchema);
    const json = toJson(SmppServerHealthSchema, server, { alwaysEmitImplicit: true });
    if (this.jsonEnabled()) return json;
    if (!health.smppServer) {
      this.log("This gateway runs no SMPP server (no smppServer in its config).");
      return json;
    }
    if (server.accounts.length === 0) {
      this.log(`No account is bound (SMPP port ${server.port}).`);
      return json;
    }
    this.log(
      await renderTable(
        server.accounts.map((a) => ({
          account: a.systemId,
          tenant: a.tenant,
          binds: `tx ${a.transmitters} rx ${a.receivers} trx ${a.transceivers} / ${a.maxBinds}`,
          window: `${a.windowUsed} / ${a.window}`,
          throughput: `${a.partsPerSecond} / ${a.throughput === 0 ? "∞" : a.throughput} parts/s`,
          outbox: `${a.deliverInFlight} in flight, ${a.outboxWaiting} waiting`,
        })),
        [
          { key: "account", name: "Account" },
          { key: "tenant", name: "Tenant" },
          { key: "binds", name: "Binds" },
          { key: "window", name: "Window" },
          { key: "throughput", name: "Throughput" },
          { key: "outbox", name: "Receipts" },
        ],
      ),
    );
    return json;
  }
}
