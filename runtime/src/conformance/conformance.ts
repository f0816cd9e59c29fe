// The plugin conformance kit: loads a built plugin through the real plugin
// host (manifest checks, memory-bounded compile, a worker pool with the ABI
// host functions) and checks that it behaves as a Hermes provider plugin
// must, replaying the provider fixtures the plugin supplies. No network: the
// plugin's requests are checked, never performed, and the recorded answers
// are handed back. `hermes plugin test` and the templates' tests use it.
import {
  create,
  fromBinary,
  fromJson,
  toBinary,
  type DescMessage,
  type JsonValue,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import { pino } from "pino";
import {
  Capability,
  ConfigureRequestSchema,
  ConfigureResponseSchema,
  HandleResponseRequestSchema,
  HandleResponseResponseSchema,
  ManifestSchema,
  ParseWebhookRequestSchema,
  ParseWebhookResponseSchema,
  PrepareSendRequestSchema,
  PrepareSendResponseSchema,
  type HttpRequest,
  type Manifest,
} from "../gen/hermes/plugin/v1/plugin_pb.js";
import { Channel, MessageSchema, type Message } from "../gen/hermes/v1/message_pb.js";
import {
  compilePlugin,
  configWithDefaults,
  type PluginModule,
} from "../plugin-host/plugin-module.js";
import { defaultPolicy, type HostPolicy } from "../plugin-host/policy.js";
import { hostAllowed } from "../plugin-host/plugin-http.js";
import { PluginPool } from "../plugin-host/worker-pool.js";
import { PluginVersion } from "../plugin-host/plugin-version.js";
import type { ConformanceCases, SendCase, WebhookCase } from "./cases.js";
import { matchEvents, matchOutcome, matchRequest } from "./expectations.js";

export interface ConformanceOptions {
  /** A working config for the plugin (manifest defaults fill the rest). */
  readonly config: Readonly<Record<string, string>>;
  readonly cases?: ConformanceCases;
  /** Hosts the operator would add to the manifest's allowed_hosts (allowHosts of a route). */
  readonly allowHosts?: readonly string[];
  /** Accept plain http:// requests (a route with allowHttp). */
  readonly allowHttp?: boolean;
  readonly policy?: HostPolicy;
  /** Sends of the soak check (memory stays within the plugin's pages); default 200. */
  readonly soakSends?: number;
}

export interface ConformanceCheck {
  /** "<group>: <what>", e.g. "send: 429 is retryable". */
  readonly name: string;
  readonly ok: boolean;
  /** Why it failed, or what was measured. */
  readonly detail: string;
}

export interface ConformanceReport {
  readonly ok: boolean;
  readonly manifest: Manifest | undefined;
  readonly checks: readonly ConformanceCheck[];
  /** The slowest plugin call, in ms. */
  readonly slowestCallMs: number;
}

const defaultTenant = "conformance";
const route = "conformance";

/** Runs every check on `wasm`; never throws for a misbehaving plugin, it reports. */
export async function runConformance(
  wasm: Uint8Array,
  options: ConformanceOptions,
): Promise<ConformanceReport> {
  const run = new ConformanceRun(options);
  let module: PluginModule;
  try {
    module = await compilePlugin(wasm, options.policy ?? defaultPolicy);
  } catch (reason) {
    run.fail("manifest: the host accepts the module", (reason as Error).message);
    return run.report(undefined);
  }
  run.pass("manifest: the host accepts the module", `sha256 ${module.sha256}`);
  const pool = new PluginPool({ name: "conformance", size: 1, log: pino({ level: "silent" }) });
  await pool.start();
  try {
    const config = configWithDefaults(options.config, module.manifest);
    const version = await PluginVersion.load(pool, module, route, config);
    const plugin = new PluginUnderTest(version, run);
    checkManifest(run, module.manifest);
    await run.step("manifest: describe agrees with the embedded manifest", async () => {
      const described = (await plugin.typed((version) => version.describe())).manifest;
      const same =
        described !== undefined &&
        Buffer.from(toBinary(ManifestSchema, described)).equals(
          toBinary(ManifestSchema, module.manifest),
        );
      return same ? "" : "describe returned a different manifest than the hermes.manifest section";
    });
    await checkConfigure(run, plugin, module.manifest, config, options.cases);
    await run.step("health: ok with the working config", async () => {
      const health = await plugin.typed((version) => version.health());
      return health.ok ? "" : `health says not ok: ${health.detail}`;
    });
    for (const [index, send] of (options.cases?.sends ?? []).entries())
      await checkSend(run, plugin, module, config, send, index, options);
    const webhooks = module.manifest.capabilities.includes(Capability.WEBHOOK);
    for (const hook of options.cases?.webhooks ?? []) await checkWebhook(run, plugin, config, hook);
    await checkHostileInput(run, plugin, config, webhooks);
    await checkSoak(run, plugin, module, config, options);
    run.resources(module);
    return run.report(module.manifest);
  } catch (reason) {
    run.fail("plugin: loads into the host", (reason as Error).message);
    return run.report(module.manifest);
  } finally {
    await pool.stop();
  }
}

/** Collects checks and call timings. */
class ConformanceRun {
  readonly checks: ConformanceCheck[] = [];
  slowestCallMs = 0;
  constructor(readonly options: ConformanceOptions) {}

  pass(name: string, detail = ""): void {
    this.checks.push({ name, ok: true, detail });
  }

  fail(name: string, detail: string): void {
    this.checks.push({ name, ok: false, detail });
  }

  /** Runs a check whose body returns "" when it holds, or why it does not; a throw fails it. */
  async step(name: string, body: () => Promise<string>): Promise<void> {
    try {
      const problem = await body();
      if (problem) this.fail(name, problem);
      else this.pass(name);
    } catch (reason) {
      this.fail(name, (reason as Error).message);
    }
  }

  resources(module: PluginModule): void {
    const { limits } = module;
    const policy = this.options.policy ?? defaultPolicy;
    const asked = module.manifest.limits;
    const over = [
      asked?.callTimeoutMs && asked.callTimeoutMs > policy.maxCallTimeoutMs
        ? `call_timeout_ms ${asked.callTimeoutMs} > host cap ${policy.maxCallTimeoutMs}`
        : "",
      asked?.maxMemoryPages && asked.maxMemoryPages > policy.maxMemoryPages
        ? `max_memory_pages ${asked.maxMemoryPages} > host cap ${policy.maxMemoryPages}`
        : "",
    ].filter(Boolean);
    if (over.length)
      this.fail("resources: declared limits within the host's caps", over.join("; "));
    else
      this.pass(
        "resources: declared limits within the host's caps",
        `${limits.callTimeoutMs} ms per call, ${limits.memoryPages} pages`,
      );
    const slow = this.slowestCallMs <= limits.callTimeoutMs;
    (slow ? this.pass : this.fail).call(
      this,
      "resources: every call within the time budget",
      `slowest call ${this.slowestCallMs.toFixed(1)} ms of ${limits.callTimeoutMs} ms`,
    );
  }

  report(manifest: Manifest | undefined): ConformanceReport {
    return {
      ok: this.checks.every((c) => c.ok),
      manifest,
      checks: this.checks,
      slowestCallMs: this.slowestCallMs,
    };
  }
}

/** Calls a loaded plugin version's exports with raw bytes, timing each call. */
class PluginUnderTest {
  constructor(
    readonly version: PluginVersion,
    readonly run: ConformanceRun,
  ) {}

  raw(fn: string, input: Uint8Array, tenant = defaultTenant): Promise<Uint8Array> {
    return this.typed((version) => version.callRaw(fn, input, tenant));
  }

  /**
   * Through the host's own typed layer: the same encoding, I/O limit and ABI check as a gateway
   * route.
   */
  call<I extends DescMessage, O extends DescMessage>(
    fn: string,
    inSchema: I,
    input: MessageInitShape<I>,
    outSchema: O,
  ): Promise<MessageShape<O>> {
    return this.typed((version) => version.call(fn, inSchema, input, outSchema, defaultTenant));
  }

  /** A call on the loaded version, timed for the report's slowest call. */
  async typed<T>(call: (version: PluginVersion) => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await call(this.version);
    } finally {
      this.run.slowestCallMs = Math.max(this.run.slowestCallMs, performance.now() - started);
    }
  }

  /**
   * Calls twice with the same input: the outputs must be the same bytes. A
   * plugin may read the host clock (a JWT's iat), so a pair that differs is
   * tried once more: a second tick between two calls cannot happen twice.
   */
  async twice<I extends DescMessage, O extends DescMessage>(
    fn: string,
    inSchema: I,
    input: MessageInitShape<I>,
    outSchema: O,
    tenant = defaultTenant,
  ): Promise<{ output: MessageShape<O>; deterministic: boolean }> {
    const bytes = toBinary(inSchema, create(inSchema, input));
    for (let pair = 0; ; pair++) {
      const first = await this.raw(fn, bytes, tenant);
      const second = await this.raw(fn, bytes, tenant);
      const same = Buffer.from(first).equals(second);
      if (same || pair === 1) return { output: fromBinary(outSchema, second), deterministic: same };
    }
  }
}

/**
 * What the host's own manifest checks (compilePlugin: name, semantic version, ABI) leave to a
 * provider plugin's author.
 */
function checkManifest(run: ConformanceRun, manifest: Manifest): void {
  const problems: string[] = [];
  if (manifest.channels.length === 0 || manifest.channels.includes(Channel.UNSPECIFIED))
    problems.push("channels must name at least one channel");
  if (manifest.capabilities.includes(Capability.HTTP) && manifest.allowedHosts.length === 0)
    problems.push("CAPABILITY_HTTP with no allowed_hosts");
  if (manifest.allowedHosts.some((h) => h.split(".").length < 2))
    problems.push("allowed_hosts must name hosts or *.domain patterns");
  const names = manifest.configSchema.map((f) => f.name);
  if (names.some((n) => !n)) problems.push("a config field has no name");
  if (new Set(names).size !== names.length) problems.push("config field names repeat");
  const undocumented = manifest.configSchema.filter((f) => !f.description).map((f) => f.name);
  if (undocumented.length)
    problems.push(`config fields without a description: ${undocumented.join(", ")}`);
  if (problems.length) run.fail("manifest: valid", problems.join("; "));
  else
    run.pass(
      "manifest: valid",
      `${manifest.name}@${manifest.version}, hosts ${manifest.allowedHosts.join(", ") || "none"}`,
    );
}

async function checkConfigure(
  run: ConformanceRun,
  plugin: PluginUnderTest,
  manifest: Manifest,
  config: Record<string, string>,
  cases: ConformanceCases | undefined,
): Promise<void> {
  const configure = (values: Record<string, string>) =>
    plugin.call(
      "configure",
      ConfigureRequestSchema,
      { config: values, route },
      ConfigureResponseSchema,
    );
  await run.step("configure: accepts the working config", async () => {
    const { problems } = await configure(config);
    return problems.length
      ? `problems: ${problems.map((p) => `${p.field} ${p.reason}`).join("; ")}`
      : "";
  });
  for (const required of manifest.configSchema.filter((f) => f.required)) {
    await run.step(`configure: refuses a missing ${required.name}`, async () => {
      const without = { ...config };
      delete without[required.name];
      const { problems } = await configure(without);
      const named = problems.find((p) => p.field === required.name);
      if (!named)
        return `no problem names ${required.name} (got: ${problems.map((p) => p.field).join(", ") || "none"})`;
      return named.reason ? "" : `the problem for ${required.name} gives no reason`;
    });
  }
  for (const bad of cases?.badConfigs ?? []) {
    await run.step(`configure: refuses ${bad.name}`, async () => {
      const { problems } = await configure({ ...config, ...bad.config });
      const missing = bad.fields.filter((f) => !problems.some((p) => p.field === f && p.reason));
      return missing.length
        ? `no problem with a reason names ${missing.join(", ")} (got: ${problems.map((p) => `${p.field} ${p.reason}`).join("; ") || "none"})`
        : "";
    });
  }
}

async function checkSend(
  run: ConformanceRun,
  plugin: PluginUnderTest,
  module: PluginModule,
  baseConfig: Record<string, string>,
  send: SendCase,
  index: number,
  options: ConformanceOptions,
): Promise<void> {
  await run.step(`send: ${send.name}`, async () => {
    const config = { ...baseConfig, ...send.config };
    const message = fromJson(MessageSchema, send.message as JsonValue);
    const attempt = send.attempt ?? 1;
    // Each case has its own KV (tenant) unless it names one to share.
    const tenant = send.tenant ?? `case-${index}`;
    const prepared = await plugin.twice(
      "prepare_send",
      PrepareSendRequestSchema,
      { message, config, attempt },
      PrepareSendResponseSchema,
      tenant,
    );
    if (!prepared.deterministic) return "prepare_send gave different bytes for the same input";
    let action = prepared.output.action;
    let state = prepared.output.state;
    for (let step = 1; ; step++) {
      if (action.case === "result") {
        if (step - 1 !== send.responses.length)
          return `the send ended after ${step - 1} request(s); the case recorded ${send.responses.length} answer(s)`;
        return matchOutcome(send.expect, action.value);
      }
      if (action.case !== "http")
        return `step ${step}: the plugin returned neither a request nor a result`;
      const request = action.value;
      const problem =
        checkRequest(request, module.manifest, options) ||
        matchRequest(send.requests?.[step - 1], request, step);
      if (problem) return problem;
      const recorded = send.responses[step - 1];
      if (!recorded)
        return `step ${step}: the plugin asked for request ${step} (${request.method} ${request.url}); the case recorded only ${send.responses.length}`;
      const response = {
        status: recorded.status,
        headers: Object.entries(recorded.headers ?? {}).map(([name, value]) => ({ name, value })),
        body: Buffer.from(recorded.body ?? ""),
      };
      const handled = await plugin.twice(
        "handle_response",
        HandleResponseRequestSchema,
        { message, config, request, response, state, attempt, step },
        HandleResponseResponseSchema,
        tenant,
      );
      if (!handled.deterministic)
        return `step ${step}: handle_response gave different bytes for the same input`;
      action = handled.output.action;
      state = handled.output.state;
      if (step > (options.policy ?? defaultPolicy).maxHttpSteps)
        return `more than ${(options.policy ?? defaultPolicy).maxHttpSteps} requests for one send`;
    }
  });
}

/**
 * The sandbox's rules for a request: allowlisted host, https, a method, header names that are
 * tokens.
 */
function checkRequest(
  request: HttpRequest,
  manifest: Manifest,
  options: ConformanceOptions,
): string {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return `the request URL "${request.url}" is not absolute`;
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && options.allowHttp))
    return `the request uses ${url.protocol}// (only https)`;
  const allowed = [...manifest.allowedHosts, ...(options.allowHosts ?? [])];
  if (!hostAllowed(url.hostname, allowed))
    return `the request goes to ${url.hostname}, outside allowed_hosts (${allowed.join(", ")})`;
  if (!/^[A-Z]+$/.test(request.method))
    return `the request method "${request.method}" is not an upper-case HTTP method`;
  const badHeader = request.headers.find(
    (h) => !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(h.name) || /[\r\n]/.test(h.value),
  );
  return badHeader ? `the request header "${badHeader.name}" is malformed` : "";
}

async function checkWebhook(
  run: ConformanceRun,
  plugin: PluginUnderTest,
  baseConfig: Record<string, string>,
  hook: WebhookCase,
): Promise<void> {
  const config = { ...baseConfig, ...hook.config };
  const deliver = (body: string) =>
    plugin.twice(
      "parse_webhook",
      ParseWebhookRequestSchema,
      {
        request: {
          method: hook.request.method ?? "POST",
          url: hook.request.url,
          headers: Object.entries(hook.request.headers ?? {}).map(([name, value]) => ({
            name: name.toLowerCase(),
            value,
          })),
          body: Buffer.from(body),
          publicUrl: hook.request.publicUrl ?? "",
        },
        config,
      },
      ParseWebhookResponseSchema,
    );
  const body = hook.request.body ?? "";
  await run.step(`webhook: ${hook.name}`, async () => {
    const { output, deterministic } = await deliver(body);
    if (!deterministic) return "parse_webhook gave different bytes for the same input";
    const status = output.replyStatus || 200;
    if (status !== hook.expect.status)
      return `replied ${status} (${output.error || "no reason"}), expected ${hook.expect.status}`;
    if (
      hook.expect.replyBodyIncludes &&
      !Buffer.from(output.replyBody).toString().includes(hook.expect.replyBodyIncludes)
    ) {
      return `the reply body does not include "${hook.expect.replyBodyIncludes}"`;
    }
    if (status >= 400 && !output.error) return "a refused webhook must say why (error)";
    if (status >= 400 && output.events.length) return "a refused webhook must carry no events";
    return hook.expect.events ? matchEvents(hook.expect.events, output.events) : "";
  });
  if (!hook.signed) return;
  await run.step(`webhook: ${hook.name}, body altered after signing, is refused`, async () => {
    const form = /x-www-form-urlencoded/i.test(
      Object.entries(hook.request.headers ?? {}).find(
        ([n]) => n.toLowerCase() === "content-type",
      )?.[1] ?? "",
    );
    const { output } = await deliver(form ? `${body}&Tampered=1` : `${body} `);
    const status = output.replyStatus || 200;
    if (status !== 401 && status !== 403) return `replied ${status}, expected 401 or 403`;
    return output.events.length ? "the refused webhook carried events" : "";
  });
}

/** Garbage in must give a clear answer, not a trap: the host counts traps as plugin failures. */
async function checkHostileInput(
  run: ConformanceRun,
  plugin: PluginUnderTest,
  config: Record<string, string>,
  webhooks: boolean,
): Promise<void> {
  await run.step(
    "hostile input: prepare_send of an empty message is refused with a result",
    async () => {
      const { action } = await plugin.call(
        "prepare_send",
        PrepareSendRequestSchema,
        { message: {}, config, attempt: 1 },
        PrepareSendResponseSchema,
      );
      if (action.case !== "result")
        return `expected a failed result, got ${action.case ?? "nothing"}`;
      return action.value.outcome.case === "error" ? "" : "an empty message was accepted";
    },
  );
  if (!webhooks) return;
  await run.step(
    "hostile input: a webhook with no body and no signature is refused with 4xx",
    async () => {
      const { replyStatus, events, error } = await plugin.call(
        "parse_webhook",
        ParseWebhookRequestSchema,
        {
          request: {
            method: "POST",
            url: `/webhooks/${route}`,
            headers: [],
            body: new Uint8Array(),
          },
          config,
        },
        ParseWebhookResponseSchema,
      );
      if (!(replyStatus >= 400 && replyStatus < 500)) return `replied ${replyStatus || 200}`;
      if (events.length) return "the refused webhook carried events";
      return error ? "" : "the refusal gives no reason";
    },
  );
  await run.step("hostile input: a webhook of 64 KiB of garbage is refused with 4xx", async () => {
    const garbage = Buffer.alloc(64 * 1024, 0xff);
    const { replyStatus } = await plugin.call(
      "parse_webhook",
      ParseWebhookRequestSchema,
      {
        request: {
          method: "POST",
          url: `/webhooks/${route}`,
          headers: [{ name: "content-type", value: "application/json" }],
          body: garbage,
        },
        config,
      },
      ParseWebhookResponseSchema,
    );
    return replyStatus >= 400 && replyStatus < 500 ? "" : `replied ${replyStatus || 200}`;
  });
}

/**
 * Many sends in a row through one instance: a plugin that leaks memory
 * reaches its page ceiling (the host bounded its memory) and traps.
 */
async function checkSoak(
  run: ConformanceRun,
  plugin: PluginUnderTest,
  module: PluginModule,
  config: Record<string, string>,
  options: ConformanceOptions,
): Promise<void> {
  const first = options.cases?.sends?.[0];
  if (!first) return;
  const count = options.soakSends ?? 200;
  await run.step(
    `resources: ${count} sends stay within ${module.limits.memoryPages} memory pages`,
    async () => {
      const message: Message = fromJson(MessageSchema, first.message as JsonValue);
      const input = toBinary(
        PrepareSendRequestSchema,
        create(PrepareSendRequestSchema, {
          message,
          config: { ...config, ...first.config },
          attempt: 1,
        }),
      );
      for (let i = 0; i < count; i++) await plugin.raw("prepare_send", input, "soak");
      return "";
    },
  );
}
