import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import smpp, { type PDU, type Session } from "smpp";
import { startBenchSmsc, type BenchSmscProcess } from "./bench-smsc-process.js";

/** An npm `smpp` client session, bound as `command`. */
async function bind(port: number, command: string, systemId: string): Promise<Session> {
  const session = smpp.connect({ host: "127.0.0.1", port });
  await once(session, "connect");
  const resp = await request(session, command, { system_id: systemId, password: "any" });
  assert.equal(resp.command_status, 0, `${command} accepted`);
  return session;
}

function request(session: Session, command: string, fields: Record<string, unknown> = {}) {
  return new Promise<PDU>((resolve) => session.send(new smpp.PDU(command, fields), resolve));
}

/** The next deliver_sm, answered with `status`. */
function nextDeliver(session: Session, status = 0): Promise<PDU> {
  return new Promise((resolve) =>
    session.once("deliver_sm", (pdu: PDU) => {
      session.send(pdu.response({ command_status: status }));
      resolve(pdu);
    }),
  );
}

const submit = (registered_delivery: number) => ({
  source_addr: "Hermes",
  destination_addr: "447700900123",
  registered_delivery,
  short_message: Buffer.from("hello"),
});

describe("the benchmark SMSC, in its own process", () => {
  let smsc: BenchSmscProcess;
  before(async () => {
    smsc = await startBenchSmsc();
  });
  after(() => smsc.close());

  test("binds, answers submit_sm with fresh hex ids, and sends a text receipt to a transceiver", async () => {
    const session = await bind(smsc.port, "bind_transceiver", "bench");
    try {
      const receipt = nextDeliver(session);
      const first = await request(session, "submit_sm", submit(1));
      assert.equal(first.command_status, 0);
      assert.match(String(first.message_id), /^[0-9a-f]+$/);
      const delivered = await receipt;
      assert.equal(delivered.esm_class, 0x04);
      assert.equal(delivered.source_addr, "447700900123");
      assert.equal(delivered.destination_addr, "Hermes");
      const text = (delivered.short_message as { message: string }).message;
      assert.match(text, new RegExp(`^id:${first.message_id} .*stat:DELIVRD err:000`));

      const second = await request(session, "submit_sm", submit(0));
      assert.notEqual(second.message_id, first.message_id);
      assert.equal((await request(session, "enquire_link")).command, "enquire_link_resp");

      const stats = await smsc.stats();
      assert.equal(stats.binds, 1);
      assert.equal(stats.submits, 2);
      assert.equal(stats.receiptsSent, 1, "none for the submit that asked for none");
      assert.equal(stats.receiptsAcked, 1);
      assert.equal(stats.enquireLinks, 1);
      assert.ok(stats.cpu.user > 0, "its own CPU time");
      assert.equal((await request(session, "unbind")).command, "unbind_resp");
      assert.equal((await smsc.stats()).unbinds, 1);
    } finally {
      session.destroy();
    }
  });

  test("a transmitter's receipts go to a receiver of its system_id, held until one binds", async () => {
    const start = await smsc.stats();
    const transmitter = await bind(smsc.port, "bind_transmitter", "split");
    const submitted = await request(transmitter, "submit_sm", submit(1));
    // Bound after the submit: the receipt waited for it.
    const receiver = smpp.connect({ host: "127.0.0.1", port: smsc.port });
    const receipt = nextDeliver(receiver, 0x08);
    await once(receiver, "connect");
    await request(receiver, "bind_receiver", { system_id: "split" });
    try {
      const text = ((await receipt).short_message as { message: string }).message;
      assert.match(text, new RegExp(`^id:${submitted.message_id} `));
      // Refused (ESME_RSYSERR), so not counted as acknowledged.
      await until(async () => (await smsc.stats()).receiptsRefused === start.receiptsRefused + 1);
      assert.equal((await smsc.stats()).receiptsAcked, start.receiptsAcked);
    } finally {
      transmitter.destroy();
      receiver.destroy();
    }
  });

  test("a request before any bind is refused with ESME_RINVBNDSTS", async () => {
    const session = smpp.connect({ host: "127.0.0.1", port: smsc.port });
    await once(session, "connect");
    try {
      assert.equal((await request(session, "submit_sm", submit(1))).command_status, 0x04);
    } finally {
      session.destroy();
    }
  });
});

test("decimal ids, and receipts in TLVs only", async () => {
  const smsc = await startBenchSmsc({ ids: "decimal", receipts: "tlv" });
  const session = await bind(smsc.port, "bind_transceiver", "tlv");
  try {
    const receipt = nextDeliver(session);
    const submitted = await request(session, "submit_sm", submit(1));
    assert.equal(submitted.message_id, "1");
    const delivered = await receipt;
    assert.equal(delivered.receipted_message_id, "1");
    assert.equal(delivered.message_state, 2);
    assert.equal((delivered.short_message as { message: string }).message, "");
  } finally {
    session.destroy();
    await smsc.close();
  }
});

async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
