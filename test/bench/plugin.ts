// A plugin's real work, three ways, in one run: a 1 KiB message transform
// (decode the PrepareSendRequest, upper-case the text, JSON-escape it into the
// provider's body, encode the HTTP request; fixtures/assembly/transform.ts)
// - as a Hermes SDK plugin, called the way the pool's worker calls it (the
//   export directly, with the host's own fast I/O functions: host-functions.mjs);
// - as the same AssemblyScript logic on @extism/as-pdk, called with Extism's
//   plugin.call (the generic path the host runs such plugins on);
// - as native TypeScript on protobuf-es.
// Also: cold load through the host's path (signature verify + compilePlugin +
// load into a pool worker, which instantiates and configures) against bare
// WebAssembly.compile + instantiate of the same bytes; and memory per
// instance. Each timed side runs five times, interleaved; the median counts.
import { join } from "node:path";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import createPlugin, { type Plugin } from "@extism/extism";
import { pino } from "pino";
import {
  PrepareSendRequestSchema,
  PrepareSendResponseSchema,
} from "@hermes/runtime/contracts/plugin";
import { Channel } from "@hermes/runtime/contracts";
import {
  compilePlugin,
  PluginPool,
  CallState,
  workerHostFunctions,
  KvStore,
  wasm,
  type WasmModule,
} from "@hermes/runtime/plugin-host";
import { generateKeyPair, sign, verify } from "@hermes/runtime/plugin-registry";
import { compile } from "../../sdk/builder/compile.js";
import { buildSdkPlugin } from "../plugin-host/fixtures/build.js";
import { median } from "./_measure.js";

const rounds = 5;
const transformCalls = 5_000;
const coldLoads = 15;
const memoryInstances = 100;
const fixtures = "test/plugin-host/fixtures/assembly";

async function timed(run: () => unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** A 1 KiB text with what JSON must escape: quotes, backslashes, newlines, non-ASCII. */
function sampleRequest(): Uint8Array {
  const line = 'Your code is "4821" \\ valid 10 min — ünïcödé ok.\n';
  const text = line.repeat(Math.ceil(1024 / line.length)).slice(0, 1024);
  return toBinary(
    PrepareSendRequestSchema,
    create(PrepareSendRequestSchema, {
      message: {
        id: "01JH5Z6W6M6ZP6X9Q3F7W4T8RC",
        tenant: "acme",
        channel: Channel.SMS,
        to: { kind: { case: "phone", value: "+447700900123" } },
        content: { text },
      },
      config: { apiKey: "k-123", baseUrl: "https://api.example.com" },
      attempt: 1,
    }),
  );
}

/** transform.ts in TypeScript on protobuf-es: the native plugin's way. */
function nativeTransform(input: Uint8Array): Uint8Array {
  const req = fromBinary(PrepareSendRequestSchema, input);
  const message = req.message!;
  const body = JSON.stringify({
    text: (message.content?.text ?? "").toUpperCase(),
    reference: message.id,
  });
  return toBinary(
    PrepareSendResponseSchema,
    create(PrepareSendResponseSchema, {
      action: {
        case: "http",
        value: {
          method: "POST",
          url: `${req.config.baseUrl}/v1/messages`,
          headers: [
            { name: "Authorization", value: `Bearer ${req.config.apiKey}` },
            { name: "Content-Type", value: "application/json" },
          ],
          body: new TextEncoder().encode(body),
        },
      },
    }),
  );
}

/**
 * An instance made as the pool's worker makes one (plugin-worker.mjs), on this thread, with the
 * host's functions.
 */
async function hostInstance(module: WasmModule, kv: KvStore) {
  const state = new CallState();
  let memory: { buffer: ArrayBuffer } | undefined;
  const spec = {
    name: "bench-transform",
    route: "bench",
    config: {},
    capabilities: new Set<number>(),
    ioBytes: 1 << 20,
  };
  const telemetry = { log: () => undefined, metric: () => undefined };
  const plugin = await createPlugin(
    { wasm: [{ module: module as never }] },
    {
      useWasi: false,
      runInWorker: false,
      logLevel: "silent" as never,
      functions: {
        "extism:host/user": workerHostFunctions(spec, state, () => memory!, telemetry, kv) as never,
      },
    },
  );
  const exports = (await plugin.getInstance()).exports as unknown as Record<
    string,
    () => number
  > & { memory: { buffer: ArrayBuffer } };
  memory = exports.memory;
  const call = (fn: string, input: Uint8Array): Uint8Array => {
    state.begin(input, "");
    if (exports[fn]!() !== 0) throw new Error(`${fn} failed`);
    return state.output!;
  };
  return { plugin, memory: exports.memory, call };
}

/** Imports that do nothing, enough for WebAssembly.instantiate of the same bytes. */
function stubImports(module: WasmModule): Record<string, Record<string, () => number>> {
  const imports: Record<string, Record<string, () => number>> = {};
  for (const { module: namespace, name } of wasm.Module.imports(module)) {
    imports[namespace] ??= {};
    imports[namespace][name] = () => 0;
  }
  return imports;
}

export default async function bench(): Promise<Record<string, number>> {
  const sdkBytes = await buildSdkPlugin("transform-sdk");
  const pdkBytes = await compile({
    entry: join(fixtures, "transform-pdk.ts"),
    sdkFlags: false,
    ascArgs: ["--use", `abort=${fixtures}/transform-pdk/pdkAbort`],
  });
  const kv = new KvStore(":memory:");
  const sdkModule = await compilePlugin(sdkBytes);
  const sdk = await hostInstance(sdkModule.module, kv);
  const pdk: Plugin = await createPlugin(
    { wasm: [{ data: pdkBytes }] },
    { useWasi: false, runInWorker: false, logLevel: "silent" as never },
  );

  // All three must produce the same request before anything is timed.
  const input = sampleRequest();
  const expected = fromBinary(PrepareSendResponseSchema, nativeTransform(input));
  for (const [label, output] of [
    ["SDK", sdk.call("prepare_send", input)],
    ["as-pdk", (await pdk.call("prepare_send", input))!.bytes()],
  ] as const) {
    const got = fromBinary(PrepareSendResponseSchema, output);
    if (
      got.action.case !== "http" ||
      expected.action.case !== "http" ||
      !Buffer.from(got.action.value.body).equals(Buffer.from(expected.action.value.body))
    ) {
      throw new Error(`the ${label} transform's body differs from the native one`);
    }
  }

  const times = { sdk: [] as number[], pdk: [] as number[], native: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    times.sdk.push(
      await timed(() => {
        for (let i = 0; i < transformCalls; i++) sdk.call("prepare_send", input);
      }),
    );
    times.pdk.push(
      await timed(async () => {
        for (let i = 0; i < transformCalls; i++) await pdk.call("prepare_send", input);
      }),
    );
    times.native.push(
      await timed(() => {
        for (let i = 0; i < transformCalls; i++) nativeTransform(input);
      }),
    );
  }

  // Cold load: what publish/activation does with the bytes, against the bare engine.
  const { publicKey, secretKey } = generateKeyPair();
  const signed = sign(sdkBytes, secretKey);
  const pool = new PluginPool({ name: "bench", size: 1, log: pino({ level: "silent" }) });
  await pool.start();
  const load = { ours: [] as number[], bare: [] as number[] };
  for (let i = 0; i < coldLoads; i++) {
    load.ours.push(
      await timed(async () => {
        verify(signed, [publicKey]);
        const module = await compilePlugin(signed);
        await pool.load({
          id: `v${i}`,
          module: module.module,
          spec: {
            name: "bench-transform",
            version: "1.0.0",
            route: "bench",
            config: {},
            capabilities: [],
            ioBytes: 1 << 20,
            memoryPages: module.limits.memoryPages,
            callTimeoutMs: 1000,
            configureInput: new Uint8Array(0),
          },
        });
      }),
    );
    pool.unload(`v${i}`);
    load.bare.push(
      await timed(async () => {
        const module = await wasm.compile(signed);
        await wasm.instantiate(module, stubImports(module));
      }),
    );
  }
  await pool.stop();

  // Memory: guest linear memory of a loaded instance; RSS growth for 100 more.
  const guestBytes = sdk.memory.buffer.byteLength;
  const instances: Array<Awaited<ReturnType<typeof hostInstance>>> = [];
  (globalThis as { gc?: () => void }).gc?.();
  const rssBefore = process.memoryUsage().rss;
  for (let i = 0; i < memoryInstances; i++) {
    const instance = await hostInstance(sdkModule.module, kv);
    instance.call("prepare_send", input);
    instances.push(instance);
  }
  const rssPer100 = ((process.memoryUsage().rss - rssBefore) / memoryInstances) * 100;
  await Promise.all([sdk.plugin.close(), pdk.close(), ...instances.map((i) => i.plugin.close())]);
  kv.close();

  const m = {
    sdk: median(times.sdk),
    pdk: median(times.pdk),
    native: median(times.native),
    ours: median(load.ours),
    bare: median(load.bare),
  };
  return {
    transform_1k_sdk_calls_per_s: transformCalls / (m.sdk / 1000),
    transform_1k_as_pdk_calls_per_s: transformCalls / (m.pdk / 1000),
    transform_1k_native_ts_calls_per_s: transformCalls / (m.native / 1000),
    sdk_vs_as_pdk_ratio: m.pdk / m.sdk,
    sdk_vs_native_ts_ratio: m.native / m.sdk,
    cold_load_ms: m.ours,
    bare_compile_instantiate_ms: m.bare,
    cold_load_ratio: m.bare / m.ours,
    artifact_bytes: signed.length,
    guest_memory_bytes_per_instance: guestBytes,
    rss_bytes_per_100_instances: rssPer100,
  };
}
