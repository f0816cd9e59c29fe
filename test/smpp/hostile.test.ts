import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { once } from "node:events";
import smpp, { type PDU } from "smpp";
import { sms, startCarrier, until, type CarrierHarness } from "./support.js";

/**
 * A hostile SMSC on a raw socket: it binds the driver properly, then lets a
 * test write arbitrary bytes and read back what the driver answers.
 */
class RawSmsc {
  readonly server = net.createServer((socket) => this.#accept(socket));
  readonly received: PDU[] = [];
  connections = 0;
  socket: net.Socket | undefined;
  #buffer = Buffer.alloc(0);

  async listen(): Promise<number> {
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    return (this.server.address() as net.AddressInfo).port;
  }

  write(bytes: Buffer): void {
    this.socket!.write(bytes);
  }

  send(command: string, fields: Record<string, unknown>): void {
    this.write(new smpp.PDU(command, fields).toBuffer());
  }

  #accept(socket: net.Socket): void {
    this.connections++;
    this.socket = socket;
    this.#buffer = Buffer.alloc(0);
    socket.on("error", () => undefined);
    socket.on("data", (chunk) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      while (this.#buffer.length >= 4 && this.#buffer.length >= this.#buffer.readUInt32BE(0)) {
        const length = this.#buffer.readUInt32BE(0);
        const pdu = new smpp.PDU(this.#buffer.subarray(0, length));
        this.#buffer = this.#buffer.subarray(length);
        this.received.push(pdu);
        if (pdu.command === "bind_transceiver")
          socket.write(pdu.response({ system_id: "raw" }).toBuffer());
        if (pdu.command === "submit_sm") {
          const nack = pdu.destination_addr === "447700900999";
          socket.write(
            (nack
              ? new smpp.PDU("generic_nack", {
                  sequence_number: pdu.sequence_number,
                  command_status: 0x03,
                })
              : pdu.response({ message_id: "ABC" })
            ).toBuffer(),
          );
        }
        if (pdu.command === "unbind") socket.write(pdu.response().toBuffer());
      }
    });
  }

  close(): Promise<void> {
    this.socket?.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function header(length: number, commandId: number, status: number, sequence: number): Buffer {
  const buffer = Buffer.alloc(16);
  buffer.writeUInt32BE(length, 0);
  buffer.writeUInt32BE(commandId, 4);
  buffer.writeUInt32BE(status, 8);
  buffer.writeUInt32BE(sequence, 12);
  return buffer;
}

describe("hostile PDUs from the SMSC", () => {
  const smsc = new RawSmsc();
  let carrier: CarrierHarness;

  before(async () => {
    const port = await smsc.listen();
    carrier = await startCarrier({
      host: "127.0.0.1",
      port,
      systemId: "hermes",
      reconnectInitialMs: 10,
      reconnectMaxMs: 20,
      maxRestarts: 50,
    });
    await until(() => carrier.adapter.sessions.length === 1, "bind");
  });
  after(async () => {
    await carrier.close();
    await smsc.close();
  });

  const nackFor = (sequence: number) =>
    smsc.received.find((p) => p.command === "generic_nack" && p.sequence_number === sequence);

  test("an unknown command id gets generic_nack ESME_RINVCMDID and the session stays up", async () => {
    smsc.write(header(16, 0x00000099, 0, 7001));
    await until(() => nackFor(7001) !== undefined, "generic_nack");
    assert.equal(nackFor(7001)!.command_status, 0x03);
    smsc.send("enquire_link", { sequence_number: 7002 });
    await until(
      () =>
        smsc.received.some((p) => p.command === "enquire_link_resp" && p.sequence_number === 7002),
      "enquire_link_resp",
    );
    assert.equal(smsc.connections, 1);
  });

  test("a PDU whose body does not decode gets generic_nack ESME_RINVMSGLEN", async () => {
    // deliver_sm with empty mandatory fields, then a message_state TLV that promises a byte that is
    // not there.
    const body = Buffer.concat([Buffer.alloc(17), Buffer.from([0x04, 0x27, 0x00, 0x01])]);
    smsc.write(Buffer.concat([header(16 + body.length, 0x00000005, 0, 7003), body]));
    await until(() => nackFor(7003) !== undefined, "generic_nack");
    assert.equal(nackFor(7003)!.command_status, 0x01);
    assert.equal(smsc.connections, 1);
  });

  test("a deliver_sm without a sender is refused, not reported", async () => {
    smsc.send("deliver_sm", { sequence_number: 7004, short_message: Buffer.from("hi") });
    await until(
      () =>
        smsc.received.some((p) => p.command === "deliver_sm_resp" && p.sequence_number === 7004),
      "deliver_sm_resp",
    );
    const resp = smsc.received.find(
      (p) => p.command === "deliver_sm_resp" && p.sequence_number === 7004,
    )!;
    assert.equal(resp.command_status, 0x0a);
    assert.equal(carrier.reports.length, 0);
  });

  test("a generic_nack to a submit_sm fails that message with the SMSC's code", async () => {
    const outcome = await carrier.adapter.send(sms("+447700900999", "nacked"), 1);
    assert.equal(outcome.kind, "failed");
    if (outcome.kind === "failed") {
      assert.equal(outcome.error.providerCode, "0x00000003");
      assert.equal(outcome.error.retryable, false);
      assert.equal(outcome.detail?.smpp_command, "generic_nack");
    }
  });

  test("responses nobody asked for are ignored and counted", async () => {
    const late = carrier.adapter.counters.lateResponses;
    smsc.write(header(17, 0x80000004, 0, 424242));
    smsc.write(Buffer.from([0]));
    await until(() => carrier.adapter.counters.lateResponses === late + 1, "counted");
    assert.equal(smsc.connections, 1);
  });

  for (const [label, bytes] of [
    ["an oversized command_length", header(0x7fffffff, 0x00000005, 0, 1)],
    ["a command_length below the header size", Buffer.from([0, 0, 0, 8, 1, 2, 3, 4])],
    ["garbage bytes", Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n")],
  ] as const) {
    test(`${label} drops the connection cleanly; the session reconnects and works`, async () => {
      const connections = smsc.connections;
      const invalid = carrier.adapter.counters.invalidPdus;
      smsc.write(bytes);
      await until(
        () => smsc.connections === connections + 1 && carrier.adapter.sessions.length === 1,
        "reconnect and rebind",
      );
      assert.ok(carrier.adapter.counters.invalidPdus > invalid);
      if (label.includes("oversized"))
        assert.equal(
          nackFor(1)?.command_status,
          0x02,
          "answered with generic_nack ESME_RINVCMDLEN first",
        );
      const outcome = await carrier.adapter.send(sms("+447700900900", "still alive"), 1);
      assert.equal(outcome.kind, "submitted");
    });
  }

  test("a burst of random bytes never crashes the process", async () => {
    for (let round = 0; round < 20; round++) {
      await until(() => carrier.adapter.sessions.length === 1, "bound");
      const noise = Buffer.alloc(64 + round * 16);
      for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(Math.random() * 256);
      // A plausible length now and then, so some of the noise reaches the decoder.
      if (round % 2 === 0) noise.writeUInt32BE(noise.length, 0);
      smsc.write(noise);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await until(() => carrier.adapter.sessions.length === 1, "bound after the noise");
    const outcome = await carrier.adapter.send(sms("+447700900901", "after the noise"), 1);
    assert.equal(outcome.kind, "submitted");
  });
});

test("an SMSC slow to answer our enquire_link still gets its deliver_sm answered at once", async () => {
  const smsc = new RawSmsc();
  const port = await smsc.listen();
  const carrier = await startCarrier({
    host: "127.0.0.1",
    port,
    systemId: "hermes",
    enquireLinkIntervalMs: 10,
    enquireLinkTimeoutMs: 5000,
  });
  try {
    await until(
      () => smsc.received.some((p) => p.command === "enquire_link"),
      "our enquire_link, left unanswered",
    );
    smsc.send("deliver_sm", {
      sequence_number: 9001,
      source_addr: "447700900555",
      destination_addr: "447700900000",
      short_message: Buffer.from("hi"),
    });
    await until(
      () =>
        smsc.received.some((p) => p.command === "deliver_sm_resp" && p.sequence_number === 9001),
      "deliver_sm_resp",
    );
    assert.equal(
      smsc.connections,
      1,
      "answered on the same connection, before the enquire_link deadline",
    );
    assert.equal(carrier.reports[0]?.text, "hi");
  } finally {
    await carrier.close();
    await smsc.close();
  }
});
