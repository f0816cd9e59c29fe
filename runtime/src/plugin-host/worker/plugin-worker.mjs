// A plugin worker thread: runs plugin calls in batches, each in Extism
// foreground mode (a plain synchronous call into the guest, ~µs), while the
// main thread's watchdog (worker-actor.ts) terminates the thread if a call
// overruns its deadline. Messages are described in worker-protocol.ts.
//
// Progress is published in a SharedArrayBuffer so the watchdog needs no
// message per call: [0] = seq of the call started last, [1] = its start in ms
// since `epoch` (wrapping uint32), [2] = seq of the call finished last.
import { parentPort, workerData } from "node:worker_threads";
import createPlugin from "@extism/extism";
import { CallState, hostFunctions, LimitError } from "./host-functions.mjs";
import { KvStore } from "./kv-store.mjs";

const progress = new Int32Array(workerData.progress);
const epoch = workerData.epoch;
const kv = new KvStore(workerData.kvPath);
const decoder = new TextDecoder();
const pageBytes = 65536;

/** Plugin versions loaded in this worker, by id: { spec, module, instance? }. */
const plugins = new Map();

/** Log and metric records gathered during a batch, shipped with its results. */
let telemetry = { logs: [], metrics: [] };
const collector = {
  log: (plugin, level, message, fields) => telemetry.logs.push({ plugin: plugin.id, level, message, fields }),
  metric: (plugin, metric) => telemetry.metrics.push({ plugin: plugin.id, ...metric }),
};

parentPort.on("message", (message) => {
  switch (message.type) {
    case "load":
      void load(message).then(
        () => parentPort.postMessage({ type: "loaded", id: message.id }),
        (reason) => parentPort.postMessage({ type: "loaded", id: message.id, error: errorText(reason) }),
      );
      return;
    case "unload":
      plugins.delete(message.id);
      return;
    case "batch":
      void runBatch(message.calls);
      return;
  }
});
parentPort.postMessage({ type: "ready" });

async function load({ id, module, spec }) {
  if (plugins.has(id)) return;
  const slot = { spec: { ...spec, id, capabilities: new Set(spec.capabilities) }, module, instance: undefined };
  slot.instance = await instantiate(slot);
  plugins.set(id, slot);
}

/**
 * A fresh instance of a plugin version. A plugin that keeps state from
 * configure gets it again: configure runs on every new instance.
 */
async function instantiate(slot) {
  const state = new CallState();
  let memory;
  const plugin = await createPlugin(
    { wasm: [{ module: slot.module }] },
    {
      useWasi: false,
      runInWorker: false,
      allowedHosts: [],
      allowedPaths: {},
      config: {},
      logLevel: "silent",
      functions: {
        "extism:host/user": hostFunctions(slot.spec, state, () => memory, collector, kv),
        env: { abort: (_context, message, file, line, column) => abort(memory, message, file, line, column) },
      },
    },
  );
  const wasm = await plugin.getInstance();
  memory = wasm.exports.memory;
  const instance = { exports: wasm.exports, state, memory };
  if (slot.spec.configureInput) {
    const result = invoke(instance, "configure", slot.spec.configureInput, "");
    if (!result.ok) throw new Error(`configure failed in a new instance: ${result.error}`);
  }
  return instance;
}

async function runBatch(calls) {
  const results = [];
  for (const call of calls) {
    Atomics.store(progress, 1, (Date.now() - epoch) | 0);
    Atomics.store(progress, 0, call.seq);
    results.push({ seq: call.seq, ...(await runCall(call)) });
    Atomics.store(progress, 2, call.seq);
  }
  const shipped = telemetry;
  telemetry = { logs: [], metrics: [] };
  parentPort.postMessage({ type: "results", results, telemetry: shipped });
}

async function runCall(call) {
  const slot = plugins.get(call.plugin);
  if (!slot) return { ok: false, kind: "unloaded", error: `plugin version ${call.plugin} is not loaded in this worker` };
  try {
    // An instance that trapped was dropped: its memory may be half-updated.
    slot.instance ??= await instantiate(slot);
    return invoke(slot.instance, call.fn, call.input, call.tenant);
  } catch (reason) {
    const instance = slot.instance;
    slot.instance = undefined;
    if (reason instanceof LimitError) return { ok: false, kind: "limit", error: reason.message };
    // A guest that runs out of memory traps inside its allocator: saying how
    // full its memory was tells that apart from other traps.
    const pages = instance ? instance.memory.buffer.byteLength / pageBytes : 0;
    return { ok: false, kind: "trap", error: `trapped: ${errorText(reason)} (memory ${pages} of ${slot.spec.memoryPages} pages)` };
  }
}

function invoke(instance, fn, input, tenant) {
  const exported = instance.exports[fn];
  if (typeof exported !== "function") return { ok: false, kind: "missing", error: `the plugin does not export "${fn}"` };
  instance.state.begin(input, tenant);
  const rc = exported();
  const output = instance.state.output ?? new Uint8Array(0);
  if (rc !== undefined && rc !== 0) return { ok: false, kind: "error", error: decoder.decode(output) || `${fn} returned ${rc}` };
  return { ok: true, output };
}

/** AssemblyScript's abort(message, file, line, column): strings are UTF-16 with their byte length at ptr - 4. */
function abort(memory, message, file, line, column) {
  const text = (ptr) => {
    const buffer = memory?.buffer;
    if (!buffer || ptr < 4 || ptr > buffer.byteLength) return "?";
    const length = new DataView(buffer).getUint32(ptr - 4, true);
    if (ptr + length > buffer.byteLength) return "?";
    return String.fromCharCode(...new Uint16Array(buffer.slice(ptr, ptr + Math.min(length & ~1, 512))));
  };
  throw new Error(`abort: ${text(message)} at ${text(file)}:${line}:${column}`);
}

function errorText(reason) {
  return reason instanceof Error ? reason.message : String(reason);
}
