import { test } from "node:test";
import assert from "node:assert/strict";
import { DeliveryEventKind, MessageStatus } from "../../gen/hermes/v1/message_pb.js";
import { ErrorCode } from "../../errors/hermes-error.js";
import { parseLogHookBody, type KumoLogRecord } from "./log-record.js";
import { hermesIdOf, reportOf } from "./record-mapper.js";

const fields = { metaKey: "hermes_message_id", header: "X-Hermes-Message-Id" };

function record(overrides: Partial<KumoLogRecord> = {}): KumoLogRecord {
  return {
    type: "Bounce",
    id: "1d98076abbbc11ed940250ebf67f93bd",
    sender: "a@s.example",
    recipient: "b@r.example",
    queue: "r.example",
    site: "",
    size: 10,
    response: {
      code: 550,
      enhanced_code: { class: 5, subject: 1, detail: 1 },
      content: "no such user",
      command: "RCPT TO",
    },
    timestamp: 1678069691,
    created: 1678069690,
    num_attempts: 1,
    bounce_classification: "Uncategorized",
    meta: {},
    headers: {},
    nodeid: "557f3ad4-2c8c-11ee-976e-782d7e12e173",
    ...overrides,
  };
}

test("the Hermes id is found in meta first, then logged headers (any case), then an ARF report's original headers", () => {
  assert.equal(
    hermesIdOf(
      record({ meta: { hermes_message_id: "m1" }, headers: { "X-Hermes-Message-Id": "m2" } }),
      fields,
    ),
    "m1",
  );
  assert.equal(hermesIdOf(record({ headers: { "x-hermes-message-id": "m2" } }), fields), "m2");
  const feedback = record({
    type: "Feedback",
    feedback_report: {
      feedback_type: "abuse",
      original_message: "From: a@s.example\r\nX-Hermes-Message-Id: m3\r\nSubject: hi",
    },
  });
  assert.equal(hermesIdOf(feedback, fields), "m3");
  assert.equal(hermesIdOf(record(), fields), undefined);
});

test("an uncategorised 5.1.x bounce is hard, other classes soft", () => {
  const hard = reportOf(record(), false, "k");
  assert.equal(hard.status, MessageStatus.FAILED);
  assert.equal(hard.error?.code, ErrorCode.INVALID_RECIPIENT);
  assert.equal(hard.detail?.bounce_type, "hard");
  const soft = reportOf(
    record({
      bounce_classification: "SpamBlock",
      response: {
        code: 554,
        enhanced_code: { class: 5, subject: 7, detail: 1 },
        content: "blocked",
      },
    }),
    false,
    "k",
  );
  assert.equal(soft.error?.code, ErrorCode.PROVIDER_REJECTED);
  assert.equal(soft.detail?.bounce_type, "soft");
});

test("Rejection 4xx is RETRYING, OOB is a FAILED status report, unknown types are progress", () => {
  const temp = reportOf(
    record({ type: "Rejection", response: { code: 451, enhanced_code: null, content: "later" } }),
    false,
    "k",
  );
  assert.equal(temp.kind, DeliveryEventKind.RETRYING);
  assert.equal(temp.status, undefined);
  assert.equal(reportOf(record({ type: "OOB" }), false, "k").status, MessageStatus.FAILED);
  assert.equal(reportOf(record({ type: "Delay" }), false, "k").kind, DeliveryEventKind.PROGRESS);
  assert.equal(reportOf(record({ type: "Reception" }), true, "k").kind, DeliveryEventKind.PROGRESS);
  assert.equal(reportOf(record({ type: "Reception" }), false, "k").status, MessageStatus.SUBMITTED);
});

test("bodies: one object, an array, newline-delimited; each malformed record is named", () => {
  const one = JSON.stringify(record());
  assert.equal(parseLogHookBody(one).length, 1);
  assert.equal(parseLogHookBody(`[${one},${one}]`).length, 2);
  const parsed = parseLogHookBody(`${one}\n{"type":"Delivery"}\nnot json`);
  assert.deepEqual(
    parsed.map((p) => p.ok),
    [true, false, false],
  );
  assert.throws(() => parseLogHookBody(""), /empty body/);
});
