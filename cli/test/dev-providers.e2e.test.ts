import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hermes, startHermes } from "./support/run-cli.js";

/** `hermes send … --wait` with the key of the providers' tenant. */
const viaProviders =
  (url: string) =>
  (channel: string, to: string, ...extra: string[]) =>
    hermes(
      "send",
      "--server",
      url,
      "--token",
      "hermes-dev-providers-key",
      "--channel",
      channel,
      "--to",
      to,
      "--body",
      "hello from hermes",
      ...extra,
      "--wait",
    );

describe("hermes dev --providers", () => {
  test("runs Twilio and SendGrid mocks behind wasm routes: the providers key sends through them to DELIVERED, the dev key keeps SMPP", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hermes-cli-dev-providers-"));
    const start = async () => {
      const dev = startHermes(["dev", "--providers", "--port", "0", "--db", join(dir, "dev.db")], {
        env: { HERMES_CONFIG: "" },
      });
      // A cold start compiles both templates.
      const [, url] = await dev.waitFor(
        "stdout",
        /listening on (http:\/\/127\.0\.0\.1:\d+)/,
        120_000,
      );
      const banner = (await dev.waitFor("stdout", /[\s\S]*Ctrl-C stops it/))[0];
      return { dev, url: url!, banner };
    };
    const stop = async (dev: ReturnType<typeof startHermes>) => {
      dev.child.kill("SIGINT");
      const exited = await dev.exited;
      assert.equal(exited.exitCode, 0, exited.stderr + exited.stdout);
    };
    try {
      const { dev, url, banner } = await start();
      try {
        assert.match(banner, /--token hermes-dev-providers-key --channel sms .* # through twilio/);
        assert.match(
          banner,
          /--token hermes-dev-providers-key --channel email .* # through sendgrid/,
        );
        const viaKey = viaProviders(url);
        const sms = await viaKey("sms", "+15551230001");
        assert.equal(sms.exitCode, 0, sms.stdout + sms.stderr);
        assert.match(
          sms.stdout,
          /accepted\s+route twilio\n.*delivered after 1 attempt\s+provider id SM\d{32}/,
        );

        const email = await viaKey("email", "dev@example.com", "--subject", "hello");
        assert.equal(email.exitCode, 0, email.stdout + email.stderr);
        assert.match(email.stdout, /accepted\s+route sendgrid\n.*delivered after 1 attempt/);

        // Twilio's own refusal comes back through the plugin as the message's failure.
        const refused = await viaKey("sms", "+15005550001");
        assert.notEqual(refused.exitCode, 0);
        assert.match(refused.stdout + refused.stderr, /route twilio\n.*failed.*21211/is);

        // The dev key (sent by the CLI by itself) still reaches the SMSC simulator.
        const plain = await hermes(
          "send",
          "--server",
          url,
          "--channel",
          "sms",
          "--to",
          "+15550100",
          "--body",
          "hello",
          "--wait",
        );
        assert.equal(plain.exitCode, 0, plain.stdout + plain.stderr);
        assert.match(plain.stdout, /accepted\s+route sms\n.*delivered/);
      } finally {
        await stop(dev);
      }

      const cache = join(dir, "dev-plugins");
      const built = readdirSync(cache)
        .filter((f) => f.endsWith(".wasm"))
        .sort();
      assert.deepEqual(
        built.map((f) => f.replace(/-[0-9a-f]{24}\.wasm$/, "")),
        ["sendgrid-email", "twilio-sms"],
      );
      const writtenAt = built.map((f) => statSync(join(cache, f)).mtimeMs);
      // The second start takes the cached builds instead of compiling again, and they send.
      const again = await start();
      try {
        const sms = await viaProviders(again.url)("sms", "+15551230002");
        assert.equal(sms.exitCode, 0, sms.stdout + sms.stderr);
        assert.match(sms.stdout, /accepted\s+route twilio\n.*delivered after 1 attempt/);
      } finally {
        await stop(again.dev);
      }
      assert.deepEqual(
        readdirSync(cache)
          .filter((f) => f.endsWith(".wasm"))
          .sort(),
        built,
      );
      assert.deepEqual(
        built.map((f) => statSync(join(cache, f)).mtimeMs),
        writtenAt,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
