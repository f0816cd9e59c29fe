import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DeliveryEventKind, MessageStatus } from "../../gen/hermes/v1/message_pb.js";
import { ErrorCode } from "../../gen/hermes/v1/error_pb.js";
import { meaningOf, normalizeId, parseReceipt } from "./receipts.js";
import { MultipartReceipts } from "./multipart-receipts.js";

describe("delivery receipts", () => {
  test("the SMPP 3.4 Appendix B text form", () => {
    const receipt = parseReceipt(
      "id:0123456789 sub:001 dlvrd:001 submit date:2611261200 done date:2611261201 stat:DELIVRD err:000 text:Hello world",
      {},
    );
    assert.ok(receipt);
    assert.equal(receipt.id, "0123456789");
    assert.equal(receipt.stat, "DELIVRD");
    assert.equal(receipt.err, "000");
    assert.equal(receipt.doneDate?.toISOString(), "2026-11-26T12:01:00.000Z");
    assert.equal(receipt.text, "Hello world");
    assert.equal(meaningOf(receipt).status, MessageStatus.DELIVERED);
  });

  test("keys in other cases, seconds in dates and missing fields are tolerated", () => {
    const receipt = parseReceipt("ID:abc STAT:undeliv ERR:012 Done Date:261126120159", {});
    assert.equal(receipt?.id, "abc");
    assert.equal(receipt?.stat, "UNDELIV");
    assert.equal(receipt?.doneDate?.toISOString(), "2026-11-26T12:01:59.000Z");
  });

  test("TLVs (receipted_message_id, message_state, network_error_code) win over the text", () => {
    const receipt = parseReceipt("", {
      receipted_message_id: "1A2B ",
      message_state: 5,
      network_error_code: Buffer.from([3, 0x00, 0x22]),
    });
    assert.equal(receipt?.tlvId, "1A2B");
    assert.equal(receipt?.stat, "UNDELIV");
    assert.equal(receipt?.err, "3:34");
    const both = parseReceipt("id:99 stat:ENROUTE", { message_state: 2 });
    assert.equal(both?.stat, "DELIVRD");
  });

  test("not a receipt: no id or no state", () => {
    assert.equal(parseReceipt("hello there", {}), undefined);
    assert.equal(parseReceipt("id:12", {}), undefined);
  });

  test("stat mapping: final states set a status and an error, the others are progress", () => {
    const status = (stat: string) => meaningOf({ stat, err: "001" });
    assert.equal(status("DELIVRD").status, MessageStatus.DELIVERED);
    assert.equal(status("EXPIRED").status, MessageStatus.EXPIRED);
    assert.equal(status("EXPIRED").error?.code, ErrorCode.EXPIRED);
    for (const stat of ["UNDELIV", "REJECTD", "DELETED"]) {
      assert.equal(status(stat).status, MessageStatus.FAILED);
      assert.equal(status(stat).error?.code, ErrorCode.PROVIDER_REJECTED);
      assert.equal(status(stat).error?.providerCode, "001");
    }
    for (const stat of ["ENROUTE", "ACCEPTD", "UNKNOWN", "WHATEVER"])
      assert.equal(status(stat).kind, DeliveryEventKind.PROGRESS);
  });

  test("message ids are normalised across hex and decimal", () => {
    assert.equal(normalizeId("0001A2B", "hex", "hex"), "1a2b");
    assert.equal(normalizeId("6699", "decimal", "hex"), "1a2b");
    assert.equal(normalizeId("1A2B", "hex", "decimal"), "6699");
    assert.equal(normalizeId("007", "decimal", "decimal"), "7");
    assert.equal(normalizeId(" abc-1 ", "string", "string"), "abc-1");
    assert.equal(
      normalizeId("not-hex", "hex", "hex"),
      "not-hex",
      "unparseable ids are kept as they are",
    );
  });

  test("multipart: DELIVERED only when every part is; the first failure decides", () => {
    const tracker = new MultipartReceipts();
    const group = tracker.open(3);
    const delivered = { kind: DeliveryEventKind.STATUS, status: MessageStatus.DELIVERED };
    tracker.add(group, "a");
    assert.equal(
      tracker.decide("a", delivered).kind,
      DeliveryEventKind.PROGRESS,
      "an early receipt before the other parts' ids are known",
    );
    tracker.add(group, "b");
    tracker.add(group, "c");
    assert.equal(tracker.decide("b", delivered).kind, DeliveryEventKind.PROGRESS);
    const last = tracker.decide("c", delivered);
    assert.equal(last.status, MessageStatus.DELIVERED);
    assert.equal(last.detail?.parts_delivered, "3");

    const other = tracker.open(2);
    tracker.add(other, "x");
    tracker.add(other, "y");
    const failed = tracker.decide("y", {
      kind: DeliveryEventKind.STATUS,
      status: MessageStatus.FAILED,
    });
    assert.equal(failed.status, MessageStatus.FAILED);
    assert.equal(
      tracker.decide("x", delivered).kind,
      DeliveryEventKind.PROGRESS,
      "decided already",
    );
    assert.equal(
      tracker.decide("unknown", delivered).status,
      MessageStatus.DELIVERED,
      "unknown groups pass through",
    );
  });

  test("parts with the same id, or none, count once (or not at all)", () => {
    const tracker = new MultipartReceipts();
    const group = tracker.open(3);
    tracker.add(group, "same");
    tracker.add(group, "same");
    tracker.add(group, "");
    assert.equal(
      tracker.decide("same", { kind: DeliveryEventKind.STATUS, status: MessageStatus.DELIVERED })
        .status,
      MessageStatus.DELIVERED,
    );
  });

  test("multipart groups are bounded", () => {
    const tracker = new MultipartReceipts(2);
    for (const name of ["1", "2", "3"]) {
      const group = tracker.open(2);
      tracker.add(group, `${name}a`);
      tracker.add(group, `${name}b`);
    }
    assert.equal(tracker.size, 2);
    const delivered = { kind: DeliveryEventKind.STATUS, status: MessageStatus.DELIVERED };
    assert.equal(
      tracker.decide("1a", delivered).status,
      MessageStatus.DELIVERED,
      "the oldest group was dropped",
    );
  });
});
