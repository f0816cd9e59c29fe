// The operator console in a real browser (Debian's chromium through
// playwright-core) against a real gateway: sign-in, a message followed to
// DELIVERED on its timeline, a cascade's chain, a route going DOWN and recovering on the
// overview, a plugin activated and rolled back, and what a read-only key
// and a wrong key get. Screenshots of each page go to the folder printed.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Channel, MessageSchema } from "@hermes/runtime/contracts";
import { generateKeyPair, sign } from "@hermes/runtime/plugin-registry";
import { SmscSimulator } from "@hermes/runtime/simulators";
import type { Browser, Page } from "playwright-core";
import { artifactDir, launchBrowser } from "../support/browser.js";
import { clients, keys, startTestGateway, type TestGateway } from "../support/gateway-harness.js";
import { wasmModule } from "../plugin-registry/support/wasm-fixtures.js";

const sms = (text: string) =>
  create(MessageSchema, {
    channel: Channel.SMS,
    to: { kind: { case: "phone", value: "+447700900123" } },
    content: { text },
  });

const carrier = (port: number) => ({
  name: "sms",
  channel: "sms",
  adapter: "smpp",
  retry: { maxAttempts: 10, initialBackoffMs: 50, maxBackoffMs: 200 },
  config: {
    host: "127.0.0.1",
    port,
    systemId: "hermes",
    reconnectInitialMs: 20,
    reconnectMaxMs: 50,
    maxRestarts: 2,
    restartPeriodMs: 10_000,
    downCooldownMs: 1000,
  },
});

describe("the operator console in a browser", () => {
  const shots = artifactDir("console");
  let smsc: SmscSimulator;
  let smscPort = 0;
  let gw: TestGateway;
  let browser: Browser;
  let page: Page;
  let consoleUrl = "";
  /** What the page reported as errors (a CSP violation, an exception): none is expected. */
  const pageErrors: string[] = [];

  /** The page's sessionStorage values (this file has Node's types, not the DOM's). */
  const stored = () =>
    page.evaluate(() =>
      Object.values((globalThis as unknown as { sessionStorage: object }).sessionStorage),
    );
  const shot = (name: string) =>
    page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  const signIn = async (key: string) => {
    await page.goto(consoleUrl);
    await page.fill("input[name=apiKey]", key);
    await page.click("form.sign-in button");
  };

  before(async () => {
    process.stdout.write(`console screenshots: ${shots}\n`);
    smsc = await SmscSimulator.start({ behaviour: { receiptDelayMs: 200 } });
    smscPort = smsc.port;
    gw = await startTestGateway({
      console: { port: 0 },
      routes: [carrier(smscPort)],
      plugins: { maxArtifactBytes: 64 * 1024 },
    });
    consoleUrl = gw.gateway.consoleUrl!;
    const admin = clients(gw.gateway.url, keys.all).plugins;
    const publisher = generateKeyPair();
    await admin.trustKey({ publicKey: publisher.publicKey.raw, comment: "release team" });
    for (const version of ["1.0.0", "1.1.0"])
      await admin.publishPlugin({
        artifact: sign(
          wasmModule({ manifest: { name: "acme-sms", version } }),
          publisher.secretKey,
        ),
        activate: version === "1.0.0",
      });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => {
      // Refused keys are answered 401 and 403 on purpose; the tests check those answers themselves.
      const refused = /Failed to load resource: .* status of 40[13]/.test(message.text());
      if (message.type() === "error" && !refused) pageErrors.push(message.text());
    });
    page.setDefaultTimeout(20_000);
  });
  after(async () => {
    await browser?.close();
    await gw?.close();
    await smsc?.close();
  });

  test("the console's responses carry a strict CSP and no inline script", async () => {
    const response = await fetch(consoleUrl);
    const csp = response.headers.get("content-security-policy") ?? "";
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(response.headers.get("x-content-type-options"), "nosniff");
    const html = await response.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, "every script is a file");
    assert.doesNotMatch(html, /\bstyle=|<style/, "no inline style");
    const rpc = await fetch(new URL("/hermes.v1.AuthService/WhoAmI", consoleUrl), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${keys.readOnly}` },
      body: "{}",
    });
    assert.equal(rpc.status, 200, "the console's port serves the API's RPCs");
    assert.equal(((await rpc.json()) as { tenant: string }).tenant, "acme");
    assert.equal((await fetch(new URL("/metrics", consoleUrl))).status, 404, "and nothing else");
  });

  test("a wrong key shows nothing but the sign-in form", async () => {
    await signIn("not-a-key");
    await page.waitForSelector("form.sign-in [role=alert]");
    assert.match((await page.textContent("form.sign-in [role=alert]")) ?? "", /refused/);
    assert.equal(await page.locator("nav").count(), 0);
    assert.equal(await page.locator("table").count(), 0);
    const text = await page.textContent("body");
    assert.doesNotMatch(text ?? "", /acme|sms|supervisor/i, "no data of the gateway");
    assert.deepEqual(await stored(), [], "nothing kept");
    await shot("wrong-key");
  });

  test("signed in with an admin key: the overview shows the route UP and the supervision tree", async () => {
    await signIn(keys.all);
    await page.waitForSelector("tr[data-route=sms][data-state=UP]");
    await page.waitForSelector("[data-process=hermes]");
    await page.waitForSelector("[data-process='carrier:sms']");
    assert.ok(!page.url().includes(keys.all), "the key is never in a URL");
    assert.deepEqual(await stored(), [keys.all], "the key is kept in sessionStorage");
    assert.deepEqual(await page.locator("nav a").allTextContents(), [
      "Overview",
      "Messages",
      "Live events",
      "Plugins",
    ]);
    await shot("overview");
  });

  test("a message sent through the API reaches DELIVERED on its timeline, found by id and by recipient", async () => {
    const { message } = await clients(gw.gateway.url).messages.send({
      message: sms("hello console"),
    });
    await page.goto(`${consoleUrl}#/messages`);
    await page.fill("input[name=q]", message!.id);
    await page.click("form.find button");
    await page.waitForSelector("ol.timeline li[data-status=ACCEPTED]");
    await page.waitForSelector("ol.timeline li[data-status=DELIVERED]", { timeout: 30_000 });
    await page.waitForSelector(".message-header [data-state=DELIVERED]");
    const timeline: Array<string | null> = [];
    for (const item of await page.locator("ol.timeline li").all())
      timeline.push(await item.getAttribute("data-status"));
    assert.deepEqual(timeline.slice(0, 2), ["ACCEPTED", "SUBMITTED"]);
    assert.equal(timeline.at(-1), "DELIVERED");
    assert.match((await page.textContent("ol.timeline")) ?? "", /provider id/);
    await shot("message-timeline");

    await page.selectOption("select[name=by]", "recipient");
    await page.fill("input[name=q]", "+44 7700 900123");
    await page.click("form.find button");
    await page.waitForSelector(`tr[data-message='${message!.id}']`);
    await shot("message-search");
  });

  test("a cascade's chain on its messages' pages: a step with no route fails, the next is delivered", async () => {
    const { message } = await clients(gw.gateway.url).messages.send({
      message: create(MessageSchema, {
        content: { text: "your parcel is on its way" },
        cascade: {
          steps: [
            { channel: Channel.CHAT, to: { kind: { case: "chatId", value: "user-7" } } },
            { channel: Channel.SMS, to: { kind: { case: "phone", value: "+447700900123" } } },
          ],
        },
      }),
    });
    const parent = message!.id;
    await page.goto(`${consoleUrl}#/messages?id=${parent}`);
    await page.waitForSelector(`section.cascade[data-parent='${parent}']`);
    await page.waitForSelector("ol.cascade-steps li[data-step='2'][data-state=DELIVERED]", {
      timeout: 30_000,
    });
    await page.waitForSelector(".message-header [data-state=DELIVERED]");
    const first = page.locator("ol.cascade-steps li[data-step='1']");
    assert.equal(await first.getAttribute("data-state"), "FAILED");
    assert.match((await first.textContent()) ?? "", /chat\s*user-7.*why/s, "why it failed");
    await shot("cascade-chain");

    // The delivered step's message has its own page, with the same chain and a way back.
    await page.click("ol.cascade-steps li[data-step='2'] a");
    await page.waitForSelector("ol.cascade-steps li.current[data-step='2']");
    await page.waitForSelector("ol.timeline li[data-status=DELIVERED]");
    const step = (await page.textContent(".message-header h2")) ?? "";
    assert.notEqual(step, "", "the step's own header");
    assert.ok(!step.includes(parent), "a page of its own");
    await page.click(`section.cascade a[href='#/messages?id=${parent}']`);
    await page.waitForSelector(`.message-header h2 >> text=${parent}`);
  });

  test("live events stream as messages move", async () => {
    await page.goto(`${consoleUrl}#/events`);
    await page.check("input[name=channel][value='1']");
    await page.click("form.filters button");
    await page.waitForSelector("text=Watching…");
    const { message } = await clients(gw.gateway.url).messages.send({ message: sms("live") });
    await page.waitForSelector(`tr[data-message='${message!.id}'][data-status=DELIVERED]`, {
      timeout: 30_000,
    });
    await shot("live-events");
    await page.click("form.filters button");
  });

  test("stopping the SMSC takes the route DOWN on the overview; it recovers when the SMSC is back", async () => {
    await page.goto(`${consoleUrl}#/overview`);
    await page.waitForSelector("tr[data-route=sms][data-state=UP]");
    await smsc.close();
    await page.waitForSelector("tr[data-route=sms][data-state=DOWN]", { timeout: 30_000 });
    await shot("route-down");
    smsc = await SmscSimulator.start({ port: smscPort, behaviour: { receiptDelayMs: 200 } });
    await page.waitForSelector("tr[data-route=sms][data-state=UP]", { timeout: 30_000 });
  });

  test("an admin activates a plugin version and rolls it back, each confirmed first", async () => {
    await page.goto(`${consoleUrl}#/plugins`);
    await page.waitForSelector("tr[data-version='1.0.0'][data-active=true]");
    await page.click("button[data-activate='1.1.0']");
    await page.waitForSelector("dialog.confirm[open]");
    await shot("plugins-confirm");
    await page.click("dialog.confirm button[value=cancel]");
    await page.waitForSelector("dialog.confirm", { state: "detached" });
    const admin = clients(gw.gateway.url, keys.all).plugins;
    const active = async () =>
      (await admin.listPlugins({ name: "acme-sms" })).plugins.find((p) => p.active)?.version;
    assert.equal(await active(), "1.0.0", "cancelled: nothing changed");

    await page.click("button[data-activate='1.1.0']");
    await page.click("dialog.confirm button[value=confirm]");
    await page.waitForSelector("tr[data-version='1.1.0'][data-active=true]");
    assert.equal(await active(), "1.1.0");
    await shot("plugins");

    await page.click("button[data-rollback=acme-sms]");
    await page.click("dialog.confirm button[value=confirm]");
    await page.waitForSelector("tr[data-version='1.0.0'][data-active=true]");
    assert.equal(await active(), "1.0.0");
  });

  test("a read-only key sees messages and plugins but cannot activate, not even by calling the API itself", async () => {
    await page.click("header button.link");
    await page.waitForSelector("form.sign-in");
    assert.deepEqual(await stored(), [], "signing out forgets the key");
    await signIn(keys.readOnly);
    await page.waitForSelector("nav");
    assert.deepEqual(await page.locator("nav a").allTextContents(), [
      "Messages",
      "Live events",
      "Plugins",
    ]);
    await page.goto(`${consoleUrl}#/plugins`);
    await page.waitForSelector("tr[data-version='1.0.0'][data-active=true]");
    assert.equal(await page.locator("button[data-activate]").count(), 0);
    assert.equal(await page.locator("button[data-rollback]").count(), 0);
    await page.waitForSelector("text=need an admin key");
    await shot("plugins-read-only");
    // The page's own key, straight at the API: the gateway refuses it.
    const [key] = await stored();
    const status = await page.evaluate(async (key) => {
      const response = await fetch("/hermes.v1.PluginService/ActivatePlugin", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({ name: "acme-sms", version: "1.1.0" }),
      });
      return { status: response.status, body: (await response.json()) as { code: string } };
    }, key);
    assert.equal(status.status, 403);
    assert.equal(status.body.code, "permission_denied");
    const listed = await clients(gw.gateway.url, keys.all).plugins.listPlugins({
      name: "acme-sms",
    });
    assert.equal(listed.plugins.find((p) => p.active)?.version, "1.0.0");
    await page.goto(`${consoleUrl}#/overview`);
    await page
      .waitForSelector("section.content table", { state: "detached", timeout: 2000 })
      .catch(() => undefined);
    assert.equal(await page.locator("tr[data-route]").count(), 0, "no health without admin");
  });

  test("the page reported no error: no CSP violation, no exception", () => {
    assert.deepEqual(pageErrors, []);
  });
});
