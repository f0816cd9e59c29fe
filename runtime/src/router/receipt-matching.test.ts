import assert from "node:assert/strict";
import { test } from "node:test";
import type { CorrelationCandidate } from "../store/message-store.js";
import { canonicalAddress, matchReport } from "./receipt-matching.js";

const candidate = (messageId: string, address: string, waiting = true): CorrelationCandidate => ({
  messageId,
  address,
  correlatedAt: 0,
  waiting,
});

test("the newest submission to the reported address wins", () => {
  const candidates = [candidate("new", "447700900002"), candidate("old", "447700900001")];
  assert.deepEqual(matchReport(candidates, "447700900001"), {
    kind: "matched",
    candidate: candidates[1],
  });
  assert.deepEqual(matchReport(candidates, "+44 7700 900002"), {
    kind: "matched",
    candidate: candidates[0],
  });
  const sameAddress = [candidate("new", "447700900001"), candidate("old", "447700900001", false)];
  assert.equal(matchReport(sameAddress, "447700900001").kind, "matched");
  assert.equal(
    (matchReport(sameAddress, "447700900001") as { candidate: CorrelationCandidate }).candidate
      .messageId,
    "new",
  );
});

test("a report for another address matches nothing", () => {
  assert.deepEqual(matchReport([candidate("m", "447700900001")], "447700900009"), {
    kind: "unmatched",
    reason: "other_address",
  });
});

test("an unknown id matches nothing", () => {
  assert.deepEqual(matchReport([], "447700900001"), { kind: "unmatched", reason: "unknown_id" });
});

test("without an address, one waiting message decides; two waiting are ambiguous", () => {
  const one = [candidate("done", "a", false), candidate("waiting", "b")];
  assert.equal(
    (matchReport(one, undefined) as { candidate: CorrelationCandidate }).candidate.messageId,
    "waiting",
  );
  assert.deepEqual(matchReport([candidate("x", "a"), candidate("y", "b")], undefined), {
    kind: "unmatched",
    reason: "ambiguous",
  });
  const finished = [candidate("newer", "a", false), candidate("older", "b", false)];
  assert.equal(
    (matchReport(finished, undefined) as { candidate: CorrelationCandidate }).candidate.messageId,
    "newer",
  );
});

test("an address the store does not know matches any", () => {
  assert.equal(matchReport([candidate("legacy", "")], "447700900001").kind, "matched");
});

test("addresses compare by digits for phones and case-insensitively otherwise", () => {
  assert.equal(canonicalAddress("+44 (7700) 900-123"), "447700900123");
  assert.equal(canonicalAddress(" Ann@Example.COM "), "ann@example.com");
});
