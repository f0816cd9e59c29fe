// The plugin host against Extism used directly, in one run, same wasm:
// - calls/s of a trivial export (`noop`) through the supervised worker pool
//   (2 workers, 1024 calls in flight, batched, deadline-guarded) against Extism foreground mode on
// the main
//   thread (fast, but no timeout is possible), and against Extism worker mode
//   with `timeoutMs` (the library's own way to get a deadline);
// - a 1 KiB and a 16 KiB echo through the ABI's fast I/O (host copies into guest memory)
//   against the same echo written with @extism/as-pdk (Extism's input/output
//   functions), both called with Extism's `plugin.call` on the main thread.
// Each side runs three times, interleaved; the median counts.
import createPlugin, { type Plugin } from "@extism/extism";
import { pino } from "pino";
import { compilePlugin, PluginPool } from "@hermes/runtime/plugin-host";
import { buildPlugin, compileAssembly, testManifest } from "../plugin-host/fixtures/build.js";
import { concurrently, median, perSecond } from "./_measure.js";

const poolCalls = 200_000;
const foregroundCalls = 200_000;
const workerModeCalls = 2_000;
const echoCalls = 50_000;
const bigEchoCalls = 10_000;
const rounds = 3;
/** Calls in flight against the pool at once. */
const callers = 1024;

/** Host functions of the ABI, for running the plugin outside the pool. */
function fastIo(getMemory: () => { buffer: ArrayBuffer }) {
  const state = { input: new Uint8Array(0), output: new Uint8Array(0) };
  const functions = {
    "extism:host/user": {
      hermes_input_length: () => state.input.length,
      hermes_input_read: (_c: unknown, dst: number) =>
        new Uint8Array(getMemory().buffer, dst, state.input.length).set(state.input),
      hermes_output_write: (_c: unknown, src: number, len: number) => {
        state.output = new Uint8Array(getMemory().buffer, src, len).slice();
      },
      ...Object.fromEntries(
        [
          "hermes_result_read",
          "hermes_log",
          "hermes_metric",
          "hermes_config_get",
          "hermes_kv_get",
          "hermes_kv_set",
          "hermes_clock",
          "hermes_crypto_hmac",
        ].map((n) => [n, () => -1]),
      ),
    },
    env: {
      abort: () => {
        throw new Error("abort");
      },
    },
  };
  return { state, functions };
}

async function hermesPluginOnMainThread(
  module: WebAssemblyModule,
  runInWorker: boolean,
): Promise<{ plugin: Plugin; state: ReturnType<typeof fastIo>["state"] }> {
  let memory: { buffer: ArrayBuffer } | undefined;
  const io = fastIo(() => memory!);
  const plugin = await createPlugin(
    { wasm: [{ module: module as never }] },
    {
      useWasi: false,
      runInWorker,
      ...(runInWorker ? { timeoutMs: 1000 } : {}),
      functions: io.functions,
      logLevel: "silent" as never,
    },
  );
  if (!runInWorker)
    memory = (await plugin.getInstance()).exports.memory as unknown as { buffer: ArrayBuffer };
  return { plugin, state: io.state };
}

type WebAssemblyModule = Awaited<ReturnType<typeof compilePlugin>>["module"];

export default async function bench(): Promise<Record<string, number>> {
  const module = await compilePlugin(
    await buildPlugin("test-plugin", testManifest({ limits: { callTimeoutMs: 1000 } })),
  );
  const pdkEchoWasm = await compileAssembly("pdk-echo");

  const pool = new PluginPool({ name: "bench", size: 2, log: pino({ level: "silent" }) });
  await pool.start();
  const spec = {
    name: "test-sms",
    version: "1.0.0",
    route: "bench",
    config: {},
    capabilities: [],
    ioBytes: 1 << 20,
    memoryPages: 256,
    callTimeoutMs: 1000,
  };
  await pool.load({ id: "v1", module: module.module, spec });
  const poolCall = (fn: string, input: Uint8Array) =>
    pool.call({ plugin: "v1", fn, input, tenant: "", timeoutMs: 1000, label: "bench" });

  const foreground = await hermesPluginOnMainThread(module.module, false);
  const workerMode = await hermesPluginOnMainThread(module.module, true);
  const pdk = await createPlugin(
    { wasm: [{ data: pdkEchoWasm }] },
    {
      useWasi: false,
      functions: {
        env: {
          abort: () => {
            throw new Error("abort");
          },
        },
      },
      logLevel: "silent" as never,
    },
  );

  const empty = new Uint8Array(0);
  const kib = new Uint8Array(1024).map((_, i) => i & 0xff);
  const kib16 = new Uint8Array(16 * 1024).map((_, i) => i & 0xff);
  const results = {
    pool: [] as number[],
    foreground: [] as number[],
    workerMode: [] as number[],
    poolEcho: [] as number[],
    fastIoEcho: [] as number[],
    pdkEcho: [] as number[],
    fastIoEcho16: [] as number[],
    pdkEcho16: [] as number[],
  };
  const fastIoEcho = (input: Uint8Array<ArrayBuffer>, calls: number) =>
    perSecond(calls, async () => {
      for (let i = 0; i < calls; i++) {
        foreground.state.input = input;
        await foreground.plugin.call("echo");
        if (foreground.state.output.length !== input.length)
          throw new Error("fast I/O echo lost bytes");
      }
    });
  const pdkEcho = (input: Uint8Array<ArrayBuffer>, calls: number) =>
    perSecond(calls, async () => {
      for (let i = 0; i < calls; i++) {
        const out = await pdk.call("echo", input);
        if (out?.bytes().length !== input.length) throw new Error("as-pdk echo lost bytes");
      }
    });
  for (let round = 0; round < rounds; round++) {
    results.pool.push(
      await perSecond(poolCalls, () =>
        concurrently(poolCalls, callers, () => poolCall("noop", empty)),
      ),
    );
    results.foreground.push(
      await perSecond(foregroundCalls, async () => {
        for (let i = 0; i < foregroundCalls; i++) await foreground.plugin.call("noop");
      }),
    );
    results.workerMode.push(
      await perSecond(workerModeCalls, async () => {
        for (let i = 0; i < workerModeCalls; i++) await workerMode.plugin.call("noop");
      }),
    );
    results.poolEcho.push(
      await perSecond(echoCalls, () =>
        concurrently(echoCalls, callers, () => poolCall("echo", kib)),
      ),
    );
    results.fastIoEcho.push(await fastIoEcho(kib, echoCalls));
    results.pdkEcho.push(await pdkEcho(kib, echoCalls));
    results.fastIoEcho16.push(await fastIoEcho(kib16, bigEchoCalls));
    results.pdkEcho16.push(await pdkEcho(kib16, bigEchoCalls));
  }
  await pool.stop();
  await Promise.all([foreground.plugin.close(), workerMode.plugin.close(), pdk.close()]);

  const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)])) as Record<
    keyof typeof results,
    number
  >;
  return {
    pool_noop_calls_per_s: m.pool,
    extism_foreground_noop_calls_per_s: m.foreground,
    extism_worker_timeout_noop_calls_per_s: m.workerMode,
    pool_vs_foreground_ratio: m.pool / m.foreground,
    pool_vs_worker_timeout_ratio: m.pool / m.workerMode,
    pool_echo_1k_calls_per_s: m.poolEcho,
    fast_io_echo_1k_calls_per_s: m.fastIoEcho,
    as_pdk_echo_1k_calls_per_s: m.pdkEcho,
    fast_io_vs_as_pdk_echo_1k_ratio: m.fastIoEcho / m.pdkEcho,
    fast_io_echo_16k_calls_per_s: m.fastIoEcho16,
    as_pdk_echo_16k_calls_per_s: m.pdkEcho16,
    fast_io_vs_as_pdk_echo_16k_ratio: m.fastIoEcho16 / m.pdkEcho16,
  };
}
