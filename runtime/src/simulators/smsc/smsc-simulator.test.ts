import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import smpp, { type PDU, type Session } from "smpp";
import { SmscSimulator } from "./smsc-simulator.js";

/**
 * An npm `smpp` client bound as a transceiver. It keeps every deliver_sm
 * from the start (a stored receipt can come in the same read as the
 * bind_resp) and answers one only when a test does.
 */
async function transceiver(port: number): Promise<{ session: Session; delivered: PDU[] }> {
  const session = smpp.connect({ host: "127.0.0.1", port });
  const delivered: PDU[] = [];
  session.on("deliver_sm", (pdu: PDU) => delivered.push(pdu));
  session.on("error", () => undefined); // a restart resets the connection
  await once(session, "connect");
  const resp = await request(session, "bind_transceiver", { system_id: "hermes" });
  assert.equal(resp.command_status, 0);
  return { session, delivered };
}

function request(session: Session, command: string, fields: Record<string, unknown> = {}) {
  return new Promise<PDU>((resolve) => session.send(new smpp.PDU(command, fields), resolve));
}

const submit = (session: Session, to: string) =>
  request(session, "submit_sm", {
    source_addr: "Hermes",
    destination_addr: to,
    registered_delivery: 1,
    short_message: Buffer.from(`to ${to}`),
  });

/** The id a receipt's text names. */
const receiptId = (pdu: PDU) =>
  /^id:(\S+)/.exec((pdu.short_message as { message: string }).message)?.[1];

async function closed(session: Session): Promise<void> {
  if (!session.socket.destroyed) await once(session, "close");
}

test("restart() drops every bind and reuses ids from firstId; a random start comes back too", async () => {
  const smsc = await SmscSimulator.start({ behaviour: { firstId: 1, receiptDelayMs: 60_000 } });
  try {
    let { session } = await transceiver(smsc.port);
    assert.equal((await submit(session, "447700900001")).message_id, "1");
    assert.equal((await submit(session, "447700900002")).message_id, "2");
    await smsc.restart();
    await closed(session);
    assert.equal(smsc.boundSessions, 0);
    ({ session } = await transceiver(smsc.port));
    assert.equal((await submit(session, "447700900003")).message_id, "1", "ids reused from 1");
    assert.equal(smsc.stats.restarts, 1);
    session.destroy();

    smsc.configure({ firstId: undefined });
    await smsc.restart({ downMs: 30 });
    ({ session } = await transceiver(smsc.port));
    const first = (await submit(session, "447700900004")).message_id;
    assert.notEqual(first, "1");
    await smsc.restart();
    await closed(session);
    ({ session } = await transceiver(smsc.port));
    assert.equal(
      (await submit(session, "447700900005")).message_id,
      first,
      "the same random start",
    );
    session.destroy();
  } finally {
    await smsc.close();
  }
});

test("a receipt left unanswered when the bind drops is sent again, in order, after a rebind", async () => {
  const smsc = await SmscSimulator.start({ behaviour: { receiptDelayMs: 0 } });
  try {
    let { session, delivered } = await transceiver(smsc.port);
    const a = await submit(session, "447700900001");
    const b = await submit(session, "447700900002");
    await waitFor(() => delivered.length === 2);
    assert.deepEqual(delivered.map(receiptId), [a.message_id, b.message_id]);
    session.destroy(); // without a deliver_sm_resp for either
    await closed(session);
    assert.equal(smsc.stats.receiptsAcked, 0);

    ({ session, delivered } = await transceiver(smsc.port));
    await waitFor(() => delivered.length === 2);
    assert.deepEqual(delivered.map(receiptId), [a.message_id, b.message_id], "the same, in order");
    assert.equal(smsc.stats.receiptsResent, 2);
    for (const pdu of delivered) session.send(pdu.response());
    await waitFor(() => smsc.stats.receiptsAcked === 2);

    // Acknowledged now: another rebind gets nothing more.
    session.destroy();
    await closed(session);
    ({ session, delivered } = await transceiver(smsc.port));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(delivered.length, 0);
    assert.equal(smsc.stats.receiptsResent, 2);
    session.destroy();
  } finally {
    await smsc.close();
  }
});

test("a receipt refused with an error status is sent again after the bind drops", async () => {
  const smsc = await SmscSimulator.start({ behaviour: { receiptDelayMs: 0 } });
  try {
    let { session, delivered } = await transceiver(smsc.port);
    const submitted = await submit(session, "447700900001");
    await waitFor(() => delivered.length === 1);
    session.send(delivered[0]!.response({ command_status: 0x08 }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(smsc.stats.receiptsResent, 0, "not while that bind stays");
    session.destroy();
    await closed(session);
    ({ session, delivered } = await transceiver(smsc.port));
    await waitFor(() => delivered.length === 1);
    assert.equal(receiptId(delivered[0]!), submitted.message_id);
    assert.equal(smsc.stats.receiptsResent, 1);
    session.destroy();
  } finally {
    await smsc.close();
  }
});

test("receipts still waiting out their delay at a restart are delivered after it, with their old ids", async () => {
  const smsc = await SmscSimulator.start({ behaviour: { firstId: 1, receiptDelayMs: 80 } });
  try {
    let { session, delivered } = await transceiver(smsc.port);
    const submitted = await submit(session, "447700900001");
    await smsc.restart({ downMs: 120 }); // the receipt's timer fires while the SMSC is down
    await closed(session);
    assert.equal(delivered.length, 0);
    ({ session, delivered } = await transceiver(smsc.port));
    await waitFor(() => delivered.length === 1);
    assert.equal(receiptId(delivered[0]!), submitted.message_id);
    assert.equal(smsc.stats.receiptsResent, 0, "sent for the first time");
    session.destroy();
  } finally {
    await smsc.close();
  }
});

async function waitFor(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
