import { test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode, errorDetail } from "../../errors/hermes-error.js";
import { Submission } from "./submission.js";

test("submitted once every part has its id: the first is the provider id, the others extra ids", async () => {
  const seen: string[] = [];
  const submission = new Submission(3, { smpp_parts: "3" }, (id) => seen.push(id));
  submission.partAccepted(2, "c");
  submission.partAccepted(0, "a");
  assert.equal(submission.settled, false);
  submission.partAccepted(1, "b");
  const outcome = await submission.outcome;
  assert.deepEqual(outcome, {
    kind: "submitted",
    providerMessageId: "a",
    extraProviderIds: ["b", "c"],
    detail: { smpp_parts: "3", smpp_message_ids: "a,b,c" },
  });
  assert.deepEqual(seen, ["c", "a", "b"], "each id as it comes, for the multipart receipts");
});

test("the first failure settles it; what was accepted stays in the detail, later answers are ignored", async () => {
  const submission = new Submission(2, {});
  submission.partAccepted(0, "a");
  submission.fail(errorDetail(ErrorCode.PROVIDER_REJECTED, "no", { retryable: false }));
  submission.partAccepted(1, "b");
  const outcome = await submission.outcome;
  assert.equal(outcome.kind, "failed");
  assert.equal(outcome.detail?.parts_accepted, "1");
  assert.equal(outcome.detail?.smpp_message_ids, "a");
});

test("empty and repeated ids are not correlated twice", async () => {
  const submission = new Submission(3, {});
  submission.partAccepted(0, "");
  submission.partAccepted(1, "x");
  submission.partAccepted(2, "x");
  const outcome = await submission.outcome;
  assert.equal(outcome.kind === "submitted" && outcome.providerMessageId, "x");
  assert.deepEqual(outcome.kind === "submitted" && outcome.extraProviderIds, []);
});
