import assert from "node:assert/strict";
import { test } from "node:test";
import { ErrorCode, errorDetail } from "../errors/hermes-error.js";
import { DeliveryEventKind, MessageStatus } from "../gen/hermes/v1/message_pb.js";
import { SuppressionReason } from "../gen/hermes/v1/suppression_service_pb.js";
import { condemnation } from "./report-rules.js";

const bounce = (bounceType: string) => ({
  kind: DeliveryEventKind.STATUS,
  status: MessageStatus.FAILED,
  detail: { bounce_type: bounceType, bounce_classification: "InvalidRecipient" },
  error: errorDetail(
    ErrorCode.INVALID_RECIPIENT,
    "bounced (InvalidRecipient): 550 5.1.1 no such user",
  ),
});

test("a hard bounce and a complaint condemn the address; nothing else does", () => {
  assert.deepEqual(condemnation(bounce("hard")), {
    reason: SuppressionReason.HARD_BOUNCE,
    note: "hard bounce: bounced (InvalidRecipient): 550 5.1.1 no such user",
  });
  assert.deepEqual(
    condemnation({ kind: DeliveryEventKind.COMPLAINT, detail: { feedback_type: "abuse" } }),
    { reason: SuppressionReason.COMPLAINT, note: "complaint (abuse)" },
  );
  assert.equal(condemnation(bounce("soft")), undefined);
  assert.equal(
    condemnation({ kind: DeliveryEventKind.STATUS, status: MessageStatus.DELIVERED }),
    undefined,
  );
  assert.equal(
    condemnation({
      kind: DeliveryEventKind.STATUS,
      status: MessageStatus.FAILED,
      error: errorDetail(ErrorCode.INVALID_RECIPIENT, "UNDELIV"),
    }),
    undefined,
    "a carrier's failure for a number is not an email hard bounce",
  );
});
