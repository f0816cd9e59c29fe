import { readFile } from "node:fs/promises";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Message } from "../gen/hermes/v1/message_pb.js";
import { DeliveryEventKind } from "../gen/hermes/v1/message_pb.js";
import { RouteState } from "../gen/hermes/v1/admin_service_pb.js";
import {
  Capability,
  type HttpRequest,
  type HttpResponse,
  type SendResult,
} from "../gen/hermes/plugin/v1/plugin_pb.js";
import { ErrorCode, HermesError, type ErrorDetail } from "../errors/hermes-error.js";
import type {
  AdapterContext,
  AdapterHealth,
  ChannelAdapter,
  SendOutcome,
  WebhookReply,
  WebhookRequest,
} from "../router/adapter.js";
import { compilePlugin, configWithDefaults, type PluginModule } from "./plugin-module.js";
import { PluginVersion } from "./plugin-version.js";
import { performRequest } from "./plugin-http.js";
import { PluginLogForwarder } from "./plugin-telemetry.js";
import type { PluginHost, SwappableRoute } from "./plugin-host.js";
import { PluginPool } from "./worker-pool.js";
import type { Telemetry } from "./worker-protocol.js";
import { type MessageTracer, noTracing, type TraceSpan } from "../tracing/tracer.js";

/** A `wasm` route's adapter config. */
export interface WasmAdapterConfig {
  /** A plugin published in the registry (its active version)... */
  readonly plugin?: string;
  /** ...or a .wasm file (development). */
  readonly file?: string;
  /** The provider config handed to the plugin (API keys, base URLs); values are strings. */
  readonly config: Readonly<Record<string, string>>;
  /** Sends in flight at once; default 32. */
  readonly concurrency: number;
  /** Worker threads; default 2. */
  readonly workers: number;
  /** Let plugins call plain http:// URLs (development, tests); default false. */
  readonly allowHttp: boolean;
  /**
   * Hosts the operator allows beyond the manifest's allowed_hosts, e.g. a
   * provider sandbox or a local mock ("127.0.0.1"); default none. Set
   * explicitly per route, so the plugin alone never widens its sandbox.
   */
  readonly allowHosts?: readonly string[];
  /** The gateway's external base URL, for webhook signatures that cover the URL. */
  readonly publicUrl?: string;
  /** SQLite file of the plugins' KV store; default a temporary file per route. */
  readonly kvPath?: string;
}

const requiredExports = ["describe", "configure", "prepare_send", "handle_response", "health"];
const healthEveryMs = 30_000;

/**
 * A channel adapter backed by a sandboxed WASM plugin (docs/plugin-host.md).
 * prepare_send says what HTTP request to make; the host makes it (allowlisted,
 * timed, capped) and hands the answer to handle_response, for as many steps
 * as the flow needs, up to the policy's limit. Plugin calls run in the
 * route's supervised worker pool.
 */
export class WasmAdapter implements ChannelAdapter, SwappableRoute {
  readonly type = "wasm";
  readonly #config: WasmAdapterConfig;
  readonly #host: PluginHost;
  #ctx: AdapterContext | undefined;
  #tracer: MessageTracer = noTracing;
  #pool: PluginPool | undefined;
  #current: PluginVersion | undefined;
  /** Versions still serving sends, by id, for telemetry attribution. */
  readonly #versions = new Map<string, PluginVersion>();
  #logs: PluginLogForwarder | undefined;
  #inFlight = 0;
  #health: AdapterHealth = { state: RouteState.UP };
  #healthTimer: NodeJS.Timeout | undefined;
  #detach: (() => void) | undefined;
  /** Swaps run one at a time. */
  #swapping: Promise<unknown> = Promise.resolve();

  constructor(config: WasmAdapterConfig, host: PluginHost) {
    this.#config = config;
    this.#host = host;
  }

  get route(): string {
    return this.#ctx?.route ?? "";
  }

  async start(ctx: AdapterContext): Promise<void> {
    this.#ctx = ctx;
    this.#tracer = ctx.tracer ?? noTracing;
    this.#logs = new PluginLogForwarder(ctx.log);
    const bytes = await this.#initialBytes();
    const module = await this.#check(await compilePlugin(bytes, this.#host.policy));
    if (this.#config.plugin && module.manifest.name !== this.#config.plugin) {
      throw new HermesError(
        ErrorCode.PLUGIN_REJECTED,
        `the active version of "${this.#config.plugin}" is a module named "${module.manifest.name}"`,
        { retryable: false },
      );
    }
    this.#pool = new PluginPool({
      name: `plugins:${ctx.route}`,
      size: this.#config.workers,
      kvPath: this.#config.kvPath,
      log: ctx.log,
      telemetry: (telemetry) => this.#telemetry(telemetry),
      capacityChanged: () => this.#ctx?.demandChanged(),
    });
    await this.#pool.start(ctx.supervisor);
    try {
      this.#current = await this.#activate(module);
    } catch (reason) {
      await this.#pool.stop();
      throw reason;
    }
    this.#detach = this.#host.attach(this);
    void this.#refreshHealth();
    this.#healthTimer = setInterval(() => void this.#refreshHealth(), healthEveryMs).unref();
    ctx.log.info({ plugin: this.#current.label, sha256: module.sha256 }, "wasm plugin active");
  }

  demand(): number {
    if (!this.#pool || this.#pool.liveWorkers === 0) return 0;
    return Math.max(0, this.#config.concurrency - this.#inFlight);
  }

  async send(message: Message, attempt: number): Promise<SendOutcome> {
    const version = this.#current;
    if (!version)
      return failed(
        new HermesError(ErrorCode.PLUGIN_FAILURE, "the wasm route is not running", {
          retryable: true,
        }),
      );
    this.#inFlight++;
    version.acquire();
    try {
      return await this.#send(version, message, attempt);
    } catch (reason) {
      return failed(HermesError.from(reason, ErrorCode.PLUGIN_FAILURE));
    } finally {
      version.release();
      this.#inFlight--;
    }
  }

  async handleWebhook(request: WebhookRequest): Promise<WebhookReply> {
    const version = this.#current;
    if (!version?.module.manifest.capabilities.includes(Capability.WEBHOOK))
      return { status: 404, body: "this route's plugin takes no webhooks\n" };
    version.acquire();
    try {
      const headers = Object.entries(request.headers).flatMap(([name, value]) =>
        value === undefined ? [] : [value].flat().map((v) => ({ name, value: v })),
      );
      const parsed = await version.parseWebhook({
        request: {
          method: request.method,
          url: request.url,
          headers,
          body: request.body,
          publicUrl: this.#config.publicUrl
            ? new URL(request.url, this.#config.publicUrl).href
            : "",
        },
        config: version.config,
      });
      if (parsed.error)
        this.#ctx?.log.warn(
          { plugin: version.label, status: parsed.replyStatus, reason: parsed.error },
          "plugin refused a webhook",
        );
      // Reply only once the reports are on disk, so a provider whose
      // callback we lost retries it.
      await Promise.all(
        parsed.events.map((event) =>
          this.#ctx!.report({
            kind: event.kind || DeliveryEventKind.STATUS,
            providerMessageId: event.providerMessageId || undefined,
            messageId: event.messageId || undefined,
            status: event.status || undefined,
            error: event.error,
            detail: event.detail,
            time: event.time ? timestampDate(event.time) : undefined,
            from: event.from,
            to: event.to,
            text: event.text || undefined,
            tenant: event.tenant || undefined,
          }),
        ),
      );
      return {
        status: parsed.replyStatus || 200,
        body: parsed.replyBody,
        contentType: parsed.replyContentType || undefined,
      };
    } catch (reason) {
      const error = HermesError.from(reason, ErrorCode.PLUGIN_FAILURE);
      this.#ctx?.log.error({ plugin: version.label, err: error }, "webhook handling failed");
      return { status: 500, body: `${error.rawMessage}\n` };
    } finally {
      version.release();
    }
  }

  health(): AdapterHealth {
    const pool = this.#pool;
    if (pool && pool.liveWorkers < pool.size) {
      return {
        state: RouteState.DEGRADED,
        reason: `${pool.liveWorkers} of ${pool.size} plugin workers running`,
        detail: this.#detail(),
      };
    }
    return { ...this.#health, detail: { ...this.#health.detail, ...this.#detail() } };
  }

  async stop(): Promise<void> {
    clearInterval(this.#healthTimer);
    this.#detach?.();
    await this.#pool?.stop();
  }

  current(): { name: string; version: string; sha256: string } | undefined {
    const module = this.#current?.module;
    return (
      module && {
        name: module.manifest.name,
        version: module.manifest.version,
        sha256: module.sha256,
      }
    );
  }

  /**
   * Hot-swaps the plugin with zero downtime: the new version is compiled,
   * loaded into every worker, described and configured first; if any of it
   * fails the old version stays and this rejects. Then new sends go to the
   * new version while sends in flight finish on the old one, which is
   * unloaded after the last of them.
   */
  swap(
    bytes: Uint8Array,
    expect?: { readonly name: string; readonly version: string },
  ): Promise<void> {
    const run = this.#swapping.then(async () => {
      const old = this.#current;
      if (!old)
        throw new HermesError(ErrorCode.PLUGIN_FAILURE, "the wasm route is not running", {
          retryable: true,
        });
      const module = await this.#check(await compilePlugin(bytes, this.#host.policy));
      const { name, version } = module.manifest;
      const wanted = expect ?? { name: old.name, version };
      if (name !== wanted.name || version !== wanted.version) {
        throw new HermesError(
          ErrorCode.PLUGIN_REJECTED,
          `the module is ${name}@${version}, expected ${wanted.name}@${wanted.version}`,
          { retryable: false },
        );
      }
      this.#current = await this.#activate(module);
      this.#ctx?.log.info(
        { from: old.label, to: this.#current.label, sha256: module.sha256, draining: old.inFlight },
        "wasm plugin swapped",
      );
      void old.retire().then(() => this.#versions.delete(old.id));
      void this.#refreshHealth();
    });
    this.#swapping = run.catch(() => {});
    return run;
  }

  async #send(version: PluginVersion, message: Message, attempt: number): Promise<SendOutcome> {
    const config = version.config;
    const tracer = this.#tracer;
    const preparing = tracer.span("wasm.prepare_send", message.id);
    preparing.set("hermes.plugin", version.label);
    let prepared: Awaited<ReturnType<PluginVersion["prepareSend"]>>;
    try {
      prepared = await version.prepareSend({ message, config, attempt }, message.tenant);
    } finally {
      preparing.end();
    }
    let action = prepared.action;
    let state = prepared.state;
    const policy = this.#host.policy;
    for (let step = 1; ; step++) {
      if (action.case === "result") return outcomeOf(action.value);
      if (action.case !== "http") {
        throw new HermesError(
          ErrorCode.PLUGIN_FAILURE,
          `plugin ${version.label} returned neither an HTTP request nor a result`,
          { retryable: false },
        );
      }
      if (step > policy.maxHttpSteps) {
        throw new HermesError(
          ErrorCode.PLUGIN_FAILURE,
          `plugin ${version.label} asked for more than ${policy.maxHttpSteps} HTTP requests for one send`,
          { retryable: false },
        );
      }
      const request: HttpRequest = action.value;
      const requesting = tracer.span(request.method || "GET", message.id, "client");
      let response: HttpResponse;
      try {
        response = await this.#http(version, request, requesting);
      } finally {
        requesting.end();
      }
      // No answer: the send may succeed later; the plugin has nothing to interpret.
      if (response.transportError)
        return failed(
          new HermesError(response.transportError.code, response.transportError.message, {
            retryable: true,
          }),
        );
      const handling = tracer.span("wasm.handle_response", message.id);
      handling.set("hermes.plugin", version.label);
      let handled: Awaited<ReturnType<PluginVersion["handleResponse"]>>;
      try {
        handled = await version.handleResponse(
          { message, config, request, response, state, attempt, step },
          message.tenant,
        );
      } finally {
        handling.end();
      }
      action = handled.action;
      state = handled.state;
    }
  }

  #http(version: PluginVersion, request: HttpRequest, span: TraceSpan) {
    const { manifest, limits } = version.module;
    if (!manifest.capabilities.includes(Capability.HTTP)) {
      throw new HermesError(
        ErrorCode.PLUGIN_DENIED,
        `plugin ${version.label} asked for an HTTP request without CAPABILITY_HTTP in its manifest`,
        { retryable: false },
      );
    }
    const policy = this.#host.policy;
    return performRequest(request, {
      allowedHosts: this.#config.allowHosts?.length
        ? [...manifest.allowedHosts, ...this.#config.allowHosts]
        : manifest.allowedHosts,
      allowHttp: this.#config.allowHttp,
      defaultTimeoutMs: policy.defaultHttpTimeoutMs,
      maxTimeoutMs: policy.maxHttpTimeoutMs,
      maxResponseBytes: limits.httpResponseBytes,
      span,
    });
  }

  async #initialBytes(): Promise<Uint8Array> {
    if (this.#config.file) {
      try {
        return new Uint8Array(await readFile(this.#config.file));
      } catch (reason) {
        throw new HermesError(
          ErrorCode.CONFIG_INVALID,
          `cannot read plugin file ${this.#config.file}: ${(reason as Error).message}`,
          { field: "config.file" },
        );
      }
    }
    return (await this.#host.resolve(this.#config.plugin!)).bytes;
  }

  /**
   * Checks that the plugin fits this route: its channel and the exports a channel adapter needs.
   */
  async #check(module: PluginModule): Promise<PluginModule> {
    const ctx = this.#ctx!;
    if (!module.manifest.channels.includes(ctx.channel)) {
      throw new HermesError(
        ErrorCode.CONFIG_INVALID,
        `plugin ${module.manifest.name} does not serve this route's channel`,
        { field: `routes.${ctx.route}.channel` },
      );
    }
    const needed = module.manifest.capabilities.includes(Capability.WEBHOOK)
      ? [...requiredExports, "parse_webhook"]
      : requiredExports;
    const missing = needed.filter((name) => !module.exports.has(name));
    if (missing.length)
      throw new HermesError(
        ErrorCode.PLUGIN_REJECTED,
        `plugin ${module.manifest.name} does not export ${missing.join(", ")}`,
        { retryable: false },
      );
    return module;
  }

  /**
   * Loads a version into the pool, checks that describe agrees with the
   * manifest section, and has the plugin check this route's config: every
   * problem (schema or plugin) fails with CONFIG_INVALID naming the field.
   */
  async #activate(module: PluginModule): Promise<PluginVersion> {
    const config = configWithDefaults(this.#config.config, module.manifest);
    const schemaProblems = module.manifest.configSchema
      .filter((f) => f.required && !config[f.name])
      .map((f) => ({ field: f.name, reason: "is required" }));
    if (schemaProblems.length) throw configInvalid(module, schemaProblems);
    const version = await PluginVersion.load(this.#pool!, module, this.#ctx!.route, config);
    this.#versions.set(version.id, version);
    try {
      const described = (await version.describe()).manifest;
      if (
        described?.name !== module.manifest.name ||
        described.version !== module.manifest.version
      ) {
        throw new HermesError(
          ErrorCode.PLUGIN_REJECTED,
          `describe says ${described?.name}@${described?.version}, the manifest section ${version.label}`,
          { retryable: false },
        );
      }
      const { problems } = await version.configure();
      if (problems.length) throw configInvalid(module, problems);
      return version;
    } catch (reason) {
      this.#versions.delete(version.id);
      void version.retire();
      throw reason;
    }
  }

  #telemetry(telemetry: Telemetry): void {
    for (const record of telemetry.logs) {
      const version = this.#versions.get(record.plugin);
      if (version)
        this.#logs?.write({ name: version.name, version: version.module.manifest.version }, record);
    }
    for (const record of telemetry.metrics) {
      const version = this.#versions.get(record.plugin);
      if (version) this.#host.metrics.record(version.name, this.route, record);
    }
  }

  async #refreshHealth(): Promise<void> {
    const version = this.#current;
    if (!version) return;
    version.acquire();
    try {
      const health = await version.health();
      this.#health = health.ok
        ? { state: RouteState.UP, detail: health.detail ? { plugin_health: health.detail } : {} }
        : { state: RouteState.DEGRADED, reason: `plugin health: ${health.detail || "not ok"}` };
    } catch (reason) {
      this.#health = {
        state: RouteState.DEGRADED,
        reason: `plugin health check failed: ${(reason as Error).message}`,
      };
    } finally {
      version.release();
    }
  }

  #detail(): Record<string, string> {
    const current = this.#current;
    return current
      ? {
          plugin: current.label,
          sha256: current.module.sha256,
          workers: String(this.#pool?.liveWorkers ?? 0),
        }
      : {};
  }
}

function outcomeOf(result: SendResult): SendOutcome {
  if (result.outcome.case === "providerMessageId" && result.outcome.value) {
    return { kind: "submitted", providerMessageId: result.outcome.value, detail: result.detail };
  }
  const error: ErrorDetail | undefined =
    result.outcome.case === "error" ? result.outcome.value : undefined;
  if (!error)
    return failed(
      new HermesError(
        ErrorCode.PLUGIN_FAILURE,
        "the plugin's send result has neither a provider message id nor an error",
        { retryable: false },
      ),
    );
  if (error.code === ErrorCode.UNSPECIFIED) error.code = ErrorCode.PROVIDER_REJECTED;
  return { kind: "failed", error, detail: result.detail };
}

function failed(error: HermesError): SendOutcome {
  return { kind: "failed", error: error.toDetail() };
}

function configInvalid(
  module: PluginModule,
  problems: ReadonlyArray<{ field: string; reason: string }>,
): HermesError {
  const list = problems.map((p) => `${p.field} ${p.reason}`).join("; ");
  return new HermesError(
    ErrorCode.CONFIG_INVALID,
    `plugin ${module.manifest.name} config: ${list}`,
    { field: `config.config.${problems[0]!.field}` },
  );
}
