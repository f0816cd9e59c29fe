import {
  create,
  fromBinary,
  toBinary,
  type DescMessage,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import {
  ConfigureRequestSchema,
  ConfigureResponseSchema,
  DescribeRequestSchema,
  DescribeResponseSchema,
  HandleResponseRequestSchema,
  HandleResponseResponseSchema,
  HealthRequestSchema,
  HealthResponseSchema,
  ParseWebhookRequestSchema,
  ParseWebhookResponseSchema,
  PrepareSendRequestSchema,
  PrepareSendResponseSchema,
  type ConfigureResponse,
  type DescribeResponse,
  type HandleResponseResponse,
  type HealthResponse,
  type ParseWebhookResponse,
  type PrepareSendResponse,
} from "../gen/hermes/plugin/v1/plugin_pb.js";
import { ErrorCode, HermesError } from "../errors/hermes-error.js";
import type { PluginModule } from "./plugin-module.js";
import type { PluginPool } from "./worker-pool.js";

let sequence = 0;

/**
 * One version of a plugin, loaded into a route's worker pool with that
 * route's config. Sends hold it from prepare_send to their last
 * handle_response (`acquire`/`release`), so a hot swap never hands a
 * response to a version that did not make the request; `retire` unloads it
 * once the last of them has finished.
 */
export class PluginVersion {
  readonly id: string;
  readonly label: string;
  #inFlight = 0;
  #retired: (() => void) | undefined;

  private constructor(
    readonly module: PluginModule,
    readonly pool: PluginPool,
    readonly route: string,
    readonly config: Readonly<Record<string, string>>,
  ) {
    const { name, version } = module.manifest;
    this.label = `${name}@${version}`;
    this.id = `${this.label}#${++sequence}`;
  }

  /** Loads the version into every worker of `pool` (configure runs in each new instance). */
  static async load(
    pool: PluginPool,
    module: PluginModule,
    route: string,
    config: Readonly<Record<string, string>>,
  ): Promise<PluginVersion> {
    const version = new PluginVersion(module, pool, route, config);
    const { manifest, limits } = module;
    await pool.load({
      id: version.id,
      module: module.module,
      spec: {
        name: manifest.name,
        version: manifest.version,
        route,
        config,
        capabilities: manifest.capabilities,
        ioBytes: limits.ioBytes,
        memoryPages: limits.memoryPages,
        callTimeoutMs: limits.callTimeoutMs,
        configureInput: toBinary(
          ConfigureRequestSchema,
          create(ConfigureRequestSchema, { config, route }),
        ),
        io: module.io,
      },
    });
    return version;
  }

  get name(): string {
    return this.module.manifest.name;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  describe(): Promise<DescribeResponse> {
    return this.call("describe", DescribeRequestSchema, {}, DescribeResponseSchema);
  }

  configure(): Promise<ConfigureResponse> {
    return this.call(
      "configure",
      ConfigureRequestSchema,
      { config: this.config, route: this.route },
      ConfigureResponseSchema,
    );
  }

  prepareSend(
    request: MessageInitShape<typeof PrepareSendRequestSchema>,
    tenant: string,
  ): Promise<PrepareSendResponse> {
    return this.call(
      "prepare_send",
      PrepareSendRequestSchema,
      request,
      PrepareSendResponseSchema,
      tenant,
    );
  }

  handleResponse(
    request: MessageInitShape<typeof HandleResponseRequestSchema>,
    tenant: string,
  ): Promise<HandleResponseResponse> {
    return this.call(
      "handle_response",
      HandleResponseRequestSchema,
      request,
      HandleResponseResponseSchema,
      tenant,
    );
  }

  parseWebhook(
    request: MessageInitShape<typeof ParseWebhookRequestSchema>,
  ): Promise<ParseWebhookResponse> {
    return this.call(
      "parse_webhook",
      ParseWebhookRequestSchema,
      request,
      ParseWebhookResponseSchema,
    );
  }

  health(): Promise<HealthResponse> {
    return this.call("health", HealthRequestSchema, { config: this.config }, HealthResponseSchema);
  }

  acquire(): void {
    this.#inFlight++;
  }

  release(): void {
    if (--this.#inFlight === 0) this.#retired?.();
  }

  /** Unloads the version once no send holds it any more. */
  retire(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#retired = () => {
        this.pool.unload(this.id);
        resolve();
      };
      if (this.#inFlight === 0) this.#retired();
    });
  }

  /**
   * The typed layer every ABI export goes through: encodes the request,
   * refuses one above the plugin's I/O limit, calls, and decodes the response
   * (an undecodable one is the plugin breaking the ABI).
   */
  async call<I extends DescMessage, O extends DescMessage>(
    fn: string,
    inSchema: I,
    input: MessageInitShape<I>,
    outSchema: O,
    tenant = "",
  ): Promise<MessageShape<O>> {
    const bytes = toBinary(inSchema, create(inSchema, input));
    if (bytes.length > this.module.limits.ioBytes) {
      throw new HermesError(
        ErrorCode.PLUGIN_FAILURE,
        `input to ${this.label} ${fn} is ${bytes.length} bytes, above its ${this.module.limits.ioBytes}-byte limit`,
        { retryable: false },
      );
    }
    const output = await this.callRaw(fn, bytes, tenant);
    try {
      return fromBinary(outSchema, output);
    } catch (reason) {
      throw new HermesError(
        ErrorCode.PLUGIN_FAILURE,
        `plugin ${this.label} ${fn} broke the ABI: its output is not a ${outSchema.typeName} (${(reason as Error).message})`,
        {
          retryable: false,
        },
      );
    }
  }

  /**
   * One call of export `fn` with already-encoded input, in this version's pool, under its time
   * limit.
   */
  callRaw(fn: string, input: Uint8Array, tenant = ""): Promise<Uint8Array> {
    return this.pool.call({
      plugin: this.id,
      fn,
      input,
      tenant,
      timeoutMs: this.module.limits.callTimeoutMs,
      label: this.label,
    });
  }
}
