import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { clients } from "../support/gateway-harness.js";
import { bindEsme, type ServerHarness, startServerGateway, submitFields } from "./support.js";

const ESME_RMSGQFUL = 0x14;
const ESME_RTHROTTLED = 0x58;

describe("SMPP server: each account's window and throughput", () => {
  let h: ServerHarness;
  before(async () => {
    h = await startServerGateway({
      accounts: [
        { systemId: "acme", password: "acmepw", tenant: "acme", window: 5 },
        { systemId: "globex", password: "globexpw", tenant: "globex", throughput: 3 },
      ],
    });
  });
  after(() => h.close());

  test("submits beyond the window, unanswered at once, get ESME_RMSGQFUL; within it they are stored", async () => {
    const esme = await bindEsme(h.port, "transmitter");
    try {
      // 40 submits written at once: the server holds at most 5 waiting for the store.
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          esme.send("submit_sm", submitFields("447700900001", `burst ${i}`)),
        ),
      );
      const statuses = answers.map((a) => a.command_status);
      const full = statuses.filter((s) => s === ESME_RMSGQFUL).length;
      const ok = statuses.filter((s) => s === 0).length;
      assert.equal(full + ok, 40, `only OK and RMSGQFUL: ${statuses}`);
      assert.ok(full > 0, "some were over the window");
      assert.ok(ok >= 5, "the window's worth was taken");
      const api = clients(h.gw.gateway.url);
      for (const answer of answers.filter((a) => a.command_status === 0)) {
        const { message } = await api.messages.getMessage({ id: String(answer.message_id) });
        assert.equal(message?.content?.text.startsWith("burst "), true);
      }
      // The window frees as answers go out: one more is taken.
      const after = await esme.send("submit_sm", submitFields("447700900001", "after"));
      assert.equal(after.command_status, 0);
    } finally {
      await esme.close();
    }
  });

  test("throughput counts message parts: a 3-part message_payload takes a second's worth of 3", async () => {
    const esme = await bindEsme(h.port, "transmitter", {
      systemId: "globex",
      password: "globexpw",
    });
    try {
      const long = (n: number) =>
        submitFields("447700900002", "", {
          short_message: "",
          message_payload: `${n} ${"x".repeat(400)}`,
        });
      const first = await esme.send("submit_sm", long(1));
      const second = await esme.send("submit_sm", long(2));
      assert.deepEqual([first.command_status, second.command_status], [0, ESME_RTHROTTLED]);
      // Counted as messages, the second would have passed; counted as parts, it waits a second.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const third = await esme.send("submit_sm", long(3));
      assert.equal(third.command_status, 0);
    } finally {
      await esme.close();
    }
  });

  test("an account at its maxBinds is refused another bind; other accounts bind as usual", async () => {
    const limited = await startServerGateway({
      accounts: [
        { systemId: "acme", password: "acmepw", tenant: "acme", maxBinds: 1 },
        { systemId: "globex", password: "globexpw", tenant: "globex" },
      ],
    });
    try {
      const first = await bindEsme(limited.port, "transceiver");
      await assert.rejects(bindEsme(limited.port, "receiver"), /0xd/);
      const other = await bindEsme(limited.port, "transceiver", {
        systemId: "globex",
        password: "globexpw",
      });
      await first.close();
      await other.close();
    } finally {
      await limited.close();
    }
  });
});
