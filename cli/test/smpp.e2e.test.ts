// `hermes smpp`: the bound accounts of a real gateway's SMPP server, and the
// passwordScrypt values the config takes.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  bindEsme,
  type ServerHarness,
  startServerGateway,
} from "../../test/smpp-server/support.js";
import { keys } from "../../test/support/gateway-harness.js";
import { hermes } from "./support/run-cli.js";

describe("hermes smpp", () => {
  let h: ServerHarness;
  before(async () => {
    h = await startServerGateway();
  });
  after(() => h.close());

  test("accounts lists the bound accounts only, as a table and as JSON", async () => {
    const connection = ["--server", h.gw.gateway.url, "--token", keys.all];
    const none = await hermes("smpp", "accounts", ...connection);
    assert.equal(none.exitCode, 0);
    assert.match(none.stdout, /No account is bound/);
    const receiver = await bindEsme(h.port, "receiver");
    try {
      const table = await hermes("smpp", "accounts", ...connection);
      assert.equal(table.exitCode, 0);
      assert.match(table.stdout, /acme/);
      assert.match(table.stdout, /tx 0 rx 1 trx 0 \/ 4/);
      assert.doesNotMatch(table.stdout, /globex/);
      const json = await hermes("smpp", "accounts", "--json", ...connection);
      const listed = JSON.parse(json.stdout) as {
        port: number;
        accounts: Array<{ systemId: string; receivers: number }>;
      };
      assert.equal(listed.port, h.port);
      assert.deepEqual(
        listed.accounts.map((a) => [a.systemId, a.receivers]),
        [["acme", 1]],
      );
    } finally {
      await receiver.close();
    }
  });

  test("password prints a passwordScrypt value that the config takes and a bind verifies", async () => {
    const { stdout, exitCode } = await hermes("smpp", "password", "s3cret");
    assert.equal(exitCode, 0);
    const passwordScrypt = stdout.trim().split("\n").at(-1)!;
    assert.match(passwordScrypt, /^[0-9a-f]{32}:[0-9a-f]{64}$/);
    const hashed = await startServerGateway({
      accounts: [{ systemId: "hashed", passwordScrypt, tenant: "acme" }],
      mo: [],
    });
    try {
      await (
        await bindEsme(hashed.port, "transceiver", { systemId: "hashed", password: "s3cret" })
      ).close();
      await assert.rejects(
        bindEsme(hashed.port, "transceiver", { systemId: "hashed", password: "wrong" }),
        /0xd/,
      );
    } finally {
      await hashed.close();
    }
  });
});
