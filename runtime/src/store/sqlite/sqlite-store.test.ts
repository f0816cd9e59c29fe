import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ErrorCode, errorDetail } from "../../errors/hermes-error.js";
import { ErrorSchema } from "../../gen/hermes/v1/error_pb.js";
import {
  DeliveryEventKind,
  DeliveryEventSchema,
  MessageSchema,
  MessageStatus,
} from "../../gen/hermes/v1/message_pb.js";
import { messageStoreContract, newMessage } from "../message-store-contract.js";
import { suppressionStoreContract } from "../suppression-store-contract.js";
import { cascadeStoreContract } from "../cascade-store-contract.js";
import { openDatabase } from "../open-database.js";
import { migrations } from "./schema.js";
import { SqliteStore } from "./sqlite-store.js";

async function sqliteStores() {
  const dir = mkdtempSync(join(tmpdir(), "hermes-store-"));
  return {
    open: async () => new SqliteStore({ path: join(dir, "hermes.db"), synchronous: "NORMAL" }),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

messageStoreContract("SqliteStore", sqliteStores);
suppressionStoreContract("SqliteStore", sqliteStores);
cascadeStoreContract("SqliteStore", sqliteStores);

test("a database in the first layout (protobuf events) opens in the current one with nothing lost, recipients indexed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "hermes-store-"));
  const path = join(dir, "hermes.db");
  try {
    const db = openDatabase(path, "NORMAL");
    db.exec(migrations[0] as string);
    db.pragma("user_version = 1");
    const { message } = newMessage({ idempotencyKey: "k" });
    const error = errorDetail(ErrorCode.TIMEOUT, "no answer", { retryable: true });
    const created = Date.now() - 1000;
    db.prepare(
      `INSERT INTO messages (id, tenant, channel, route, status, attempts, expires_at, created_at,
         updated_at, provider_message_id, idempotency_key, error, body)
       VALUES (?, 'acme', 1, 'sms', ?, 1, ?, ?, ?, 'p-9', 'k', ?, ?)`,
    ).run(
      message.id,
      MessageStatus.QUEUED,
      created + 60_000,
      created,
      created,
      Buffer.from(toBinary(ErrorSchema, error)),
      Buffer.from(toBinary(MessageSchema, message)),
    );
    const event = create(DeliveryEventSchema, {
      messageId: message.id,
      tenant: "acme",
      channel: 1,
      kind: DeliveryEventKind.RETRYING,
      status: MessageStatus.QUEUED,
      time: timestampFromMs(created),
      detail: { retry_in_ms: "1000" },
      error,
      providerMessageId: "p-9",
    });
    db.prepare(
      "INSERT INTO events (message_id, tenant, channel, body) VALUES (?, 'acme', 1, ?)",
    ).run(message.id, Buffer.from(toBinary(DeliveryEventSchema, event)));
    db.prepare("INSERT INTO correlations VALUES ('sms', 'p-9', ?, ?)").run(
      message.id,
      created + 3_600_000,
    );
    db.close();

    const store = new SqliteStore({ path });
    try {
      const got = await store.get(message.id, "acme");
      assert.equal(got?.status, MessageStatus.QUEUED);
      assert.equal(got?.error?.code, ErrorCode.TIMEOUT);
      assert.equal(got?.content?.text, "héllo 👋");
      const [history] = await store.history(message.id);
      assert.equal(history?.kind, DeliveryEventKind.RETRYING);
      assert.equal(history?.time, created);
      assert.equal(history?.detail?.retry_in_ms, "1000");
      assert.equal(history?.error?.message, "no answer");
      assert.equal(history?.providerMessageId, "p-9");
      const [candidate] = await store.correlations("sms", "p-9", Date.now());
      assert.equal(candidate?.messageId, message.id);
      assert.equal(candidate?.address, "", "an address the old layout did not keep is unknown");
      assert.equal(
        (await store.unfinished())[0]?.state.started,
        1,
        "its one attempt counts as started",
      );
      assert.deepEqual(
        (await store.find({ tenant: "acme", recipient: "+447700900123" }, 10)).map((m) => m.id),
        [message.id],
        "its recipient is filled in from its body",
      );
      assert.deepEqual(
        (await store.find({ tenant: "acme", providerMessageId: "p-9" }, 10)).map((m) => m.id),
        [message.id],
      );
      const [duplicate] = await store.accept([newMessage({ idempotencyKey: "k" })]);
      assert.equal(duplicate?.message.id, message.id, "idempotency keys carry over");
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
