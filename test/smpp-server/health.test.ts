import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { selfSignedCertificate, selfSignedKey } from "@hermes/runtime/simulators";
import { parseConfig } from "@hermes/runtime";
import { clients } from "../support/gateway-harness.js";
import {
  accounts,
  bindEsme,
  type ServerHarness,
  startServerGateway,
  submitFields,
} from "./support.js";

describe("SMPP server: TLS, GetHealth, metrics and its config", () => {
  let h: ServerHarness;
  before(async () => {
    h = await startServerGateway({
      tls: { port: 0, cert: selfSignedCertificate, key: selfSignedKey },
    });
  });
  after(() => h.close());

  test("an ESME binds over TLS, verifying the server's certificate, and submits", async () => {
    const tlsPort = h.gw.gateway.smppServer!.tlsPort!;
    const esme = await bindEsme(tlsPort, "transceiver", accounts.acme, {
      tls: true,
      ca: selfSignedCertificate,
    });
    try {
      const resp = await esme.send("submit_sm", submitFields("447700900001", "over TLS"));
      assert.equal(resp.command_status, 0);
    } finally {
      await esme.close();
    }
  });

  test("GetHealth lists each bound account with its binds, window and throughput; /metrics counts", async () => {
    const transmitter = await bindEsme(h.port, "transmitter");
    const receivers = [await bindEsme(h.port, "receiver"), await bindEsme(h.port, "receiver")];
    try {
      for (let i = 0; i < 3; i++)
        await transmitter.send("submit_sm", submitFields("447700900001", `counted ${i}`));
      const health = await clients(h.gw.gateway.url).admin.getHealth({});
      assert.equal(health.smppServer?.port, h.port);
      assert.ok((health.smppServer?.tlsPort ?? 0) > 0);
      const [acme, ...others] = health.smppServer!.accounts;
      assert.equal(others.length, 0, "globex is not bound");
      assert.equal(acme?.systemId, "acme");
      assert.equal(acme?.tenant, "acme");
      assert.deepEqual([acme?.transmitters, acme?.receivers, acme?.transceivers], [1, 2, 0]);
      assert.equal(acme?.window, 20);
      assert.equal(acme?.windowUsed, 0);
      const metrics = await (await fetch(`${h.gw.gateway.url}/metrics`)).text();
      assert.match(metrics, /hermes_smpp_server_bound\{account="acme",role="receiver"\} 2/);
      assert.match(metrics, /hermes_smpp_server_parts_total\{account="acme"\} [1-9]/);
      assert.match(
        metrics,
        /hermes_smpp_server_submits_total\{account="acme",status="0x00000000"\} [1-9]/,
      );
    } finally {
      for (const esme of [transmitter, ...receivers]) await esme.close();
    }
  });

  test("the config names what is wrong, and refuses an SMPP server on a NATS store", () => {
    const config =
      (smppServer: unknown, store: Record<string, unknown> = {}) =>
      () =>
        parseConfig({ smppServer, store });
    assert.throws(config({ accounts: [] }), /smppServer.accounts needs at least one account/);
    assert.throws(
      config({ accounts: [{ systemId: "a", tenant: "t" }] }),
      /smppServer.accounts\[0\] needs passwordScrypt/,
    );
    assert.throws(
      config({ accounts: [{ systemId: "a", passwordScrypt: "nothex", tenant: "t" }] }),
      /accounts\[0\].passwordScrypt must be/,
    );
    assert.throws(
      config({
        accounts: [{ systemId: "a", password: "p", tenant: "t" }],
        mo: [{ account: "b", numbers: ["+1"] }],
      }),
      /smppServer.mo\[0\].account must name an account/,
    );
    assert.throws(
      config(
        { accounts: [{ systemId: "a", password: "p", tenant: "t" }] },
        { kind: "nats", servers: ["nats://127.0.0.1:4222"] },
      ),
      /smppServer needs store.kind "sqlite"/,
    );
  });
});
