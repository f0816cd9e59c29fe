import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { MessageStatus } from "@hermes/runtime/contracts";
import { clients } from "../support/gateway-harness.js";
import { accounts, type ServerHarness, startServerGateway } from "./support.js";

const script = fileURLToPath(new URL("fixtures/net-smpp-client.pl", import.meta.url));

/**
 * A second ESME that Hermes did not write: Perl's Net::SMPP (Debian's
 * libnet-smpp-perl, which `npm test` installs when it is missing) binds,
 * submits and gets its receipt through the SMPP server.
 */
describe("SMPP server with Net::SMPP (libnet-smpp-perl) as the ESME", () => {
  let h: ServerHarness;
  before(async () => {
    h = await startServerGateway();
  });
  after(() => h.close());

  test("binds as a transceiver, submits, receives the DELIVRD receipt for the Hermes id, unbinds", async () => {
    const { stdout } = await promisify(execFile)(
      "perl",
      [
        script,
        "127.0.0.1",
        String(h.port),
        accounts.acme.systemId,
        accounts.acme.password,
        "447700900077",
        "Hello from Perl",
      ],
      { timeout: 60_000 },
    );
    const seen = JSON.parse(stdout.trim().split("\n").at(-1)!) as {
      message_id: string;
      esm_class: number;
      receipted_message_id: string;
      short_message: string;
      unbind_status: number;
    };
    assert.equal(seen.esm_class, 0x04);
    assert.equal(seen.receipted_message_id, seen.message_id);
    assert.match(seen.short_message, new RegExp(`^id:${seen.message_id} .*stat:DELIVRD`));
    assert.equal(seen.unbind_status, 0);
    const { message } = await clients(h.gw.gateway.url).messages.getMessage({
      id: seen.message_id,
    });
    assert.equal(message?.status, MessageStatus.DELIVERED);
    assert.equal(message?.content?.text, "Hello from Perl");
  });
});
