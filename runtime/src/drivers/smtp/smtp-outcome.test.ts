import { test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode } from "../../errors/hermes-error.js";
import { classifySmtpError, parseSmtpReply, spoolIdsOf } from "./smtp-outcome.js";

const nodemailerError = (fields: Record<string, unknown>) =>
  Object.assign(new Error(String(fields.message ?? "failed")), fields);

test("KumoMTA's DATA reply carries one spool id per recipient", () => {
  assert.deepEqual(spoolIdsOf("250 OK ids=8a5475ccbbc611eda12250ebf67f93bd"), [
    "8a5475ccbbc611eda12250ebf67f93bd",
  ]);
  assert.deepEqual(spoolIdsOf("250 OK ids=aa bb"), ["aa", "bb"]);
  assert.deepEqual(spoolIdsOf("250 2.0.0 Ok: queued as 4F2"), []);
  assert.deepEqual(parseSmtpReply("550 5.1.1 no such user"), {
    code: 550,
    enhanced: "5.1.1",
    text: "no such user",
  });
  assert.deepEqual(parseSmtpReply("451 too many recipients"), {
    code: 451,
    enhanced: undefined,
    text: "too many recipients",
  });
});

test("4xx is retryable, 5xx permanent with code, enhanced code and command", () => {
  const deferred = classifySmtpError(
    nodemailerError({
      code: "EENVELOPE",
      responseCode: 451,
      response: "451 4.7.1 try later",
      command: "RCPT TO",
    }),
  );
  assert.equal(deferred.outcome.error.retryable, true);
  assert.equal(deferred.outcome.error.providerCode, "451 4.7.1");
  assert.equal(deferred.connectionFault, false);
  const unknownUser = classifySmtpError(
    nodemailerError({
      code: "EENVELOPE",
      responseCode: 550,
      response: "550 5.1.1 no such user",
      command: "RCPT TO",
    }),
  );
  assert.equal(unknownUser.outcome.error.code, ErrorCode.INVALID_RECIPIENT);
  assert.equal(unknownUser.outcome.error.retryable, false);
  assert.equal(unknownUser.outcome.detail?.smtp_command, "RCPT TO");
  const content = classifySmtpError(
    nodemailerError({
      code: "EMESSAGE",
      responseCode: 554,
      response: "554 5.7.1 rejected",
      command: "DATA",
    }),
  );
  assert.equal(content.outcome.error.code, ErrorCode.PROVIDER_REJECTED);
});

test("connection faults are retryable and tell refused (nothing sent) from lost (outcome unknown)", () => {
  const refused = classifySmtpError(
    nodemailerError({
      code: "ESOCKET",
      command: "CONN",
      message: "connect ECONNREFUSED 127.0.0.1:2025",
    }),
  );
  assert.equal(refused.outcome.error.code, ErrorCode.PROVIDER_UNAVAILABLE);
  assert.equal(refused.connectionFault, true);
  const lost = classifySmtpError(
    nodemailerError({
      code: "ECONNECTION",
      command: "CONN",
      message: "Connection closed unexpectedly",
    }),
  );
  assert.equal(lost.outcome.error.code, ErrorCode.CONNECTION_LOST);
  const shedding = classifySmtpError(
    nodemailerError({
      code: "EPROTOCOL",
      responseCode: 421,
      response: "421 4.3.2 kumo load shedding. Try later",
      command: "CONN",
    }),
  );
  assert.equal(shedding.outcome.error.code, ErrorCode.PROVIDER_UNAVAILABLE);
  assert.equal(shedding.connectionFault, true);
  const auth = classifySmtpError(
    nodemailerError({
      code: "EAUTH",
      responseCode: 535,
      response: "535 5.7.8 AUTH invalid",
      command: "AUTH PLAIN",
    }),
  );
  assert.equal(auth.outcome.error.code, ErrorCode.PROVIDER_AUTH);
  assert.equal(auth.outcome.error.retryable, true);
  const tls = classifySmtpError(
    nodemailerError({ code: "ESOCKET", command: "CONN", message: "self-signed certificate" }),
  );
  assert.match(tls.outcome.error.message, /^TLS with KumoMTA failed/);
});
