import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import net from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { RawSocket } from "../support/raw-socket.js";
import {
  accounts,
  bindEsme,
  connectEsme,
  type Esme,
  type ServerHarness,
  startServerGateway,
  submitFields,
} from "./support.js";

const ESME_RINVCMDLEN = 0x02;
const ESME_RINVCMDID = 0x03;
const ESME_RINVBNDSTS = 0x04;
const ESME_RBINDFAIL = 0x0d;
const ESME_RINVMSGLEN = 0x01;

function header(length: number, commandId: number, sequence: number): Buffer {
  const buffer = Buffer.alloc(16);
  buffer.writeUInt32BE(length, 0);
  buffer.writeUInt32BE(commandId, 4);
  buffer.writeUInt32BE(0, 8);
  buffer.writeUInt32BE(sequence, 12);
  return buffer;
}

/** A generic_nack (or other response) the raw socket got for `sequence`. */
function responseTo(raw: RawSocket, sequence: number): { id: number; status: number } | undefined {
  for (let at = 0; at + 16 <= raw.received.length; at += raw.received.readUInt32BE(at)) {
    if (raw.received.readUInt32BE(at + 12) === sequence)
      return { id: raw.received.readUInt32BE(at + 4), status: raw.received.readUInt32BE(at + 8) };
  }
  return undefined;
}

/**
 * Every hostile client comes from 127.0.0.1; the well-behaved account
 * (globex) from 127.0.0.2, so the per-address limits on the one never
 * touch the other, and after each case it must still be served.
 */
describe("SMPP server: hostile input", () => {
  let h: ServerHarness;
  let bystander: Esme;

  before(async () => {
    h = await startServerGateway({
      maxPduBytes: 4096,
      bindTimeoutMs: 400,
      failedBindDelayMs: 100,
      maxFailedBindDelayMs: 2000,
      bindsPerSecondPerAddress: 3,
      maxConnectionsPerAddress: 8,
    });
    bystander = await bindEsme(h.port, "transceiver", accounts.globex, {
      localAddress: "127.0.0.2",
    });
  });
  after(async () => {
    await bystander.close();
    await h.close();
  });

  /** The other account still submits and gets its answer. */
  async function stillServed(): Promise<void> {
    const resp = await bystander.send("submit_sm", submitFields("447700900009", "still here"));
    assert.equal(resp.command_status, 0);
  }

  test("an unknown command and a body that does not decode get generic_nack; the session goes on", async () => {
    const esme = await bindEsme(h.port);
    try {
      const raw = esme.session.socket;
      const nacks: Array<{ sequence: number; status: number }> = [];
      esme.session.on("generic_nack", (pdu) =>
        nacks.push({ sequence: pdu.sequence_number, status: pdu.command_status }),
      );
      raw.write(header(16, 0x00000099, 9001));
      // submit_sm whose sm_length promises more octets than the PDU has.
      const body = Buffer.concat([Buffer.alloc(16), Buffer.from([0x20])]);
      raw.write(Buffer.concat([header(16 + body.length, 0x00000004, 9002), body]));
      await delay(200);
      assert.deepEqual(nacks, [
        { sequence: 9001, status: ESME_RINVCMDID },
        { sequence: 9002, status: ESME_RINVMSGLEN },
      ]);
      const resp = await esme.send("submit_sm", submitFields("447700900001", "after the junk"));
      assert.equal(resp.command_status, 0);
    } finally {
      await esme.close();
    }
    await stillServed();
  });

  test("a command the server does not offer gets its response with ESME_RINVCMDID", async () => {
    const esme = await bindEsme(h.port);
    try {
      const resp = await esme.send("query_sm", { message_id: "x", source_addr: "Acme" });
      assert.equal(resp.command, "query_sm_resp");
      assert.equal(resp.command_status, ESME_RINVCMDID);
    } finally {
      await esme.close();
    }
  });

  test("an oversize PDU is answered ESME_RINVCMDLEN and the connection closed", async () => {
    const esme = await bindEsme(h.port);
    const raw = await RawSocket.open(h.port);
    raw.write(header(1_000_000, 0x00000004, 9003));
    await raw.closesWithin(2000);
    assert.equal(responseTo(raw, 9003)?.status, ESME_RINVCMDLEN);
    // An oversize PDU on a bound session closes that session too.
    esme.session.socket.write(header(5000, 0x00000004, 9004));
    await Promise.race([esme.closed, delay(2000).then(() => assert.fail("still open"))]);
    await stillServed();
  });

  test("a PDU before a bind is refused with ESME_RINVBNDSTS and the connection closed", async () => {
    const esme = await connectEsme(h.port);
    const resp = await esme.send("submit_sm", submitFields("447700900001", "unbound"));
    assert.equal(resp.command_status, ESME_RINVBNDSTS);
    await Promise.race([esme.closed, delay(2000).then(() => assert.fail("still open"))]);
    await stillServed();
  });

  test("a connection that never binds is closed after bindTimeoutMs", async () => {
    const raw = await RawSocket.open(h.port);
    const after = await raw.closesWithin(3000);
    assert.ok(after >= 350, `closed after ${after} ms`);
  });

  test("a wrong password gets ESME_RBINDFAIL after a delay that grows with each failure", async () => {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const esme = await connectEsme(h.port);
      const started = performance.now();
      const resp = await esme.send("bind_transceiver", { system_id: "acme", password: "guess" });
      times.push(performance.now() - started);
      assert.equal(resp.command_status, ESME_RBINDFAIL);
      await esme.close();
      await delay(350); // under the bind rate
    }
    assert.ok(times[0]! >= 90, `first ${times[0]} ms`);
    assert.ok(times[2]! >= 380, `third ${times[2]} ms`);
    assert.ok(times[2]! > times[0]!);
    const unknown = await connectEsme(h.port);
    const resp = await unknown.send("bind_transmitter", { system_id: "nobody", password: "x" });
    assert.equal(resp.command_status, ESME_RBINDFAIL);
    await unknown.close();
    await stillServed();
    // The right password still binds (and forgives the address).
    await delay(400);
    await (await bindEsme(h.port)).close();
  });

  test("a bind flood from one address is cut off; other addresses bind as usual", async () => {
    await delay(1100); // a full bucket
    const flood = await Promise.all(Array.from({ length: 12 }, () => connectEsme(h.port)));
    const outcomes = await Promise.all(
      flood.map((esme) =>
        Promise.race([
          esme
            .send("bind_transmitter", { system_id: "acme", password: accounts.acme.password })
            .then((pdu) => (pdu.command_status === 0 ? "bound" : "refused")),
          esme.closed.then(() => "closed"),
        ]),
      ),
    );
    // 8 connections at most from the address; of those, 6 binds (twice 3 a second) at once.
    assert.ok(outcomes.filter((o) => o === "closed").length >= 6, outcomes.join(","));
    assert.ok(outcomes.filter((o) => o === "bound").length <= 4, outcomes.join(","));
    await Promise.all(flood.map((esme) => esme.close()));
    const other = await bindEsme(h.port, "receiver", accounts.globex, {
      localAddress: "127.0.0.3",
    });
    await other.close();
    await stillServed();
  });
});

describe("SMPP server: a client that does not read its answers", () => {
  test("is read no further while its answers wait, and is answered in full once it reads", async () => {
    // It never binds: the bind deadline must not end the test on a slow machine.
    const h = await startServerGateway({ bindTimeoutMs: 120_000 });
    try {
      const socket = net.connect({ host: "127.0.0.1", port: h.port });
      await once(socket, "connect");
      socket.pause(); // read nothing
      let received = 0;
      socket.on("data", (chunk: Buffer) => (received += chunk.length));
      const count = 1_500_000; // 24 MB of enquire_link: more than loopback's buffers hold
      const pdus = Buffer.alloc(16 * count);
      for (let i = 0; i < count; i++) header(16, 0x00000015, i + 1).copy(pdus, 16 * i);
      socket.write(pdus);
      // Unchecked, the server would read it all (in a few seconds) and hold 24 MB of answers.
      let pending = socket.writableLength;
      for (let stable = 0; stable < 10 && pending > 0; ) {
        await delay(200);
        stable = socket.writableLength === pending ? stable + 1 : 0;
        pending = socket.writableLength;
      }
      assert.ok(pending > 0, "the server stopped reading: the client's writes back up");
      socket.resume();
      const started = performance.now();
      while (received < 16 * count && performance.now() - started < 60_000) await delay(50);
      assert.equal(received, 16 * count, "every enquire_link answered");
      socket.destroy();
    } finally {
      await h.close();
    }
  });
});
