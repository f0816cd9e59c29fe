import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import {
  ContentSchema,
  DeliveryEventKind,
  MessageStatus,
  type DeliveryEvent,
  ErrorCode,
  RouteState,
} from "@hermes/runtime/contracts";
import { untilTerminal } from "../support/wait.js";
import { email, startKumoRoute, untilRouteState, type KumoRoute } from "./kumomta-fixture.js";

const statuses = (events: DeliveryEvent[]) =>
  events.filter((e) => e.kind === DeliveryEventKind.STATUS).map((e) => MessageStatus[e.status]);

describe("email through KumoMTA over SMTP (STARTTLS, verification off)", () => {
  let route: KumoRoute;

  before(async () => {
    route = await startKumoRoute();
    await untilRouteState(route, RouteState.UP);
  });
  after(() => route.close());

  test("a delivered message goes ACCEPTED -> SUBMITTED -> DELIVERED with KumoMTA's spool id", async () => {
    const { message } = await route.api.messages.send({
      message: email("Ann Example <ann@example.com>"),
    });
    const events = await untilTerminal(route.api.messages, message!.id);
    assert.deepEqual(statuses(events), ["ACCEPTED", "SUBMITTED", "DELIVERED"]);
    const { message: stored, events: history } = await route.api.messages.getMessage({
      id: message!.id,
    });
    assert.equal(stored?.status, MessageStatus.DELIVERED);
    assert.match(
      stored!.providerMessageId,
      /^[0-9a-f]{32}$/,
      "the provider id is KumoMTA's spool id from 250 OK ids=",
    );
    const spooled = route.sim.spool.messages.find((m) => m.id === stored!.providerMessageId);
    assert.ok(spooled, "KumoMTA spooled the message under that id");
    assert.equal(spooled.recipient, "ann@example.com");
    assert.equal(spooled.sender, "noreply@hermes.test");
    assert.equal(spooled.headers.get("x-hermes-message-id")?.[1], message!.id);
    assert.equal(
      spooled.queue,
      "spring:acme@example.com",
      "X-Tenant and X-Campaign reach KumoMTA's queue helper",
    );
    const delivered = history.find(
      (e) => e.status === MessageStatus.DELIVERED && e.detail.kumo_type === "Delivery",
    );
    assert.ok(delivered, "the DELIVERED event comes from KumoMTA's Delivery record");
    assert.equal(delivered.detail.smtp_code, "250");
    assert.equal(delivered.detail.egress_pool, "pool0");
    assert.ok(
      history.some(
        (e) => e.kind === DeliveryEventKind.PROGRESS && e.detail.kumo_type === "Reception",
      ),
      "the Reception record is recorded as progress",
    );
  });

  test("a hard bounce fails the message with KumoMTA's classification", async () => {
    const { message } = await route.api.messages.send({ message: email("permfail@example.com") });
    const events = await untilTerminal(route.api.messages, message!.id);
    const failed = events.at(-1)!;
    assert.equal(failed.status, MessageStatus.FAILED);
    assert.equal(failed.error?.code, ErrorCode.INVALID_RECIPIENT);
    assert.equal(failed.error?.providerCode, "550 5.1.1");
    assert.equal(failed.error?.retryable, false);
    assert.equal(failed.detail.bounce_classification, "InvalidRecipient");
    assert.equal(failed.detail.bounce_type, "hard");
  });

  test("a soft bounce is FAILED but not hard", async () => {
    const { message } = await route.api.messages.send({ message: email("quota@example.com") });
    const failed = (await untilTerminal(route.api.messages, message!.id)).at(-1)!;
    assert.equal(failed.status, MessageStatus.FAILED);
    assert.equal(failed.error?.code, ErrorCode.PROVIDER_REJECTED);
    assert.equal(failed.detail.bounce_classification, "QuotaIssues");
    assert.equal(failed.detail.bounce_type, "soft");
  });

  test("transient failures are RETRYING events, then the delivery", async () => {
    const { message } = await route.api.messages.send({
      message: email("tempfail-then-deliver@example.com"),
    });
    const events = await untilTerminal(route.api.messages, message!.id);
    const retrying = events.filter((e) => e.kind === DeliveryEventKind.RETRYING);
    assert.equal(retrying.length, 2);
    for (const e of retrying) {
      assert.equal(e.status, MessageStatus.SUBMITTED, "a KumoMTA retry does not change the status");
      assert.equal(e.error?.providerCode, "451 4.7.1");
    }
    assert.deepEqual(
      retrying.map((e) => e.detail.num_attempts),
      ["1", "2"],
    );
    assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED);
  });

  test("an expiration in KumoMTA fails the message with EXPIRED", async () => {
    const { message } = await route.api.messages.send({ message: email("expire@example.com") });
    const events = await untilTerminal(route.api.messages, message!.id);
    assert.ok(events.some((e) => e.kind === DeliveryEventKind.RETRYING));
    const last = events.at(-1)!;
    assert.equal(last.status, MessageStatus.FAILED);
    assert.equal(last.error?.code, ErrorCode.EXPIRED);
    assert.equal(last.detail.kumo_type, "Expiration");
  });

  test("a feedback-loop complaint after delivery is a COMPLAINT event", async () => {
    const { message } = await route.api.messages.send({ message: email("complaint@example.com") });
    await untilTerminal(route.api.messages, message!.id);
    await route.sim.settled();
    const { message: stored, events } = await route.api.messages.getMessage({ id: message!.id });
    const complaint = events.find((e) => e.kind === DeliveryEventKind.COMPLAINT);
    assert.ok(
      complaint,
      `a complaint event; got ${events.map((e) => DeliveryEventKind[e.kind]).join(",")}`,
    );
    assert.equal(complaint.detail.feedback_type, "abuse");
    assert.equal(complaint.detail.complainant, "complaint@example.com");
    assert.equal(stored?.status, MessageStatus.DELIVERED, "a complaint does not change the status");
  });

  test("5xx at RCPT fails at once with the SMTP code, enhanced code and text", async () => {
    const { message } = await route.api.messages.send({
      message: email("reject-rcpt@example.com"),
    });
    const last = (await untilTerminal(route.api.messages, message!.id)).at(-1)!;
    assert.equal(last.status, MessageStatus.FAILED);
    assert.equal(last.error?.code, ErrorCode.INVALID_RECIPIENT);
    assert.equal(last.error?.providerCode, "550 5.1.1");
    assert.match(last.error!.message, /RCPT TO.*550 5\.1\.1 recipient rejected by policy/);
    assert.equal(last.detail.smtp_command, "RCPT TO");
    const { message: stored } = await route.api.messages.getMessage({ id: message!.id });
    assert.equal(stored?.attempts, 1, "a permanent refusal is not retried");
  });

  test("5xx at DATA fails with PROVIDER_REJECTED", async () => {
    const { message } = await route.api.messages.send({
      message: email("reject-data@example.com"),
    });
    const last = (await untilTerminal(route.api.messages, message!.id)).at(-1)!;
    assert.equal(last.error?.code, ErrorCode.PROVIDER_REJECTED);
    assert.equal(last.error?.providerCode, "554 5.7.1");
    assert.equal(last.detail.smtp_command, "DATA");
  });

  test("4xx at RCPT and DATA are retried, then given up with the last reply", async () => {
    for (const [address, code] of [
      ["reject-rcpt-temp@example.com", "451 4.7.1"],
      ["reject-data-temp@example.com", "451 4.3.0"],
    ] as const) {
      const { message } = await route.api.messages.send({ message: email(address) });
      const events = await untilTerminal(route.api.messages, message!.id);
      assert.equal(
        events.filter((e) => e.kind === DeliveryEventKind.RETRYING).length,
        2,
        `${address}: two retries before giving up`,
      );
      const last = events.at(-1)!;
      assert.equal(last.status, MessageStatus.FAILED);
      assert.equal(last.error?.code, ErrorCode.RETRIES_EXHAUSTED);
      assert.equal(last.error?.providerCode, code);
    }
  });

  test("a template-only message fails clearly over SMTP (KumoMTA renders templates only in text/html bodies)", async () => {
    const content = create(ContentSchema, {
      subject: "welcome",
      template: { name: "welcome", variables: { name: "Ann" } },
    });
    const { message } = await route.api.messages.send({
      message: email("ann@example.com", { content }),
    });
    const last = (await untilTerminal(route.api.messages, message!.id)).at(-1)!;
    assert.equal(last.status, MessageStatus.FAILED);
    assert.equal(last.error?.code, ErrorCode.INVALID_ARGUMENT);
    assert.equal(last.error?.field, "content");
  });
});
