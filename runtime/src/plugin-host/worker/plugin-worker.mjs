// A plugin worker thread: runs plugin calls in batches, each in Extism
// foreground mode (a plain synchronous call into the guest, ~µs), while the
// main thread's watchdog (worker-actor.ts) terminates the thread if a call
// overruns its deadline. Messages are described in worker-protocol.ts.
//
// Progress is published in a SharedArrayBuffer so the watchdog needs no
// message per call (progressSlots): `started` = seq of the call started last,
// `startedAtMs` = its start in ms since `epoch` (wrapping uint32), `finished`
// = seq of the call finished last.
import { parentPort, workerData } from "node:worker_threads";
import createPlugin from "@extism/extism";
import { CallState, hostFunctions, LimitError } from "./host-functions.mjs";
import { KvStore } from "./kv-store.mjs";
import { callStatus, progressSlots } from "./protocol-constants.mjs";

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
  log: (plugin, level, message, fields) =>
    telemetry.logs.push({ plugin: plugin.id, level, message, fields }),
  metric: (plugin, metric) => telemetry.metrics.push({ plugin: plugin.id, ...metric }),
};

parentPort.on("message", (message) => {
  switch (message.type) {
    case "load":
      void load(message).then(
        () => parentPort.postMessage({ type: "loaded", id: message.id }),
        (reason) =>
          parentPort.postMessage({ type: "loaded", id: message.id, error: errorText(reason) }),
      );
      return;
    case "unload":
      plugins.delete(message.id);
      return;
    case "batch":
      void runBatch(message.batch);
      return;
  }
});
parentPort.postMessage({ type: "ready" });

async function load({ id, module, spec }) {
  if (plugins.has(id)) return;
  const slot = {
    spec: { ...spec, id, capabilities: new Set(spec.capabilities) },
    module,
    instance: undefined,
  };
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
        env: {
          abort: (_context, message, file, line, column) =>
            abort(memory, message, file, line, column),
        },
      },
    },
  );
  const wasm = await plugin.getInstance();
  memory = wasm.exports.memory;
  const instance = {
    exports: wasm.exports,
    state,
    memory,
    plugin,
    generic: slot.spec.io === "extism",
    ioBytes: slot.spec.ioBytes,
  };
  if (slot.spec.configureInput) {
    const result = await invoke(instance, "configure", slot.spec.configureInput, "");
    if (result.kind !== "ok")
      throw new Error(`configure failed in a new instance: ${decoder.decode(result.bytes)}`);
  }
  return instance;
}

/** Status codes of packed results, by kind. */
const status = Object.fromEntries(callStatus.map((kind, code) => [kind, code]));

/** Runs a packed batch (worker-protocol.ts PackedBatch) and posts packed results. */
async function runBatch({ first, targets, targetOf, bounds, data }) {
  const count = targetOf.length;
  const codes = new Uint8Array(count);
  const outputs = new Array(count);
  for (let i = 0; i < count; i++) {
    const seq = first + i;
    Atomics.store(progress, progressSlots.startedAtMs, (Date.now() - epoch) | 0);
    Atomics.store(progress, progressSlots.started, seq);
    const target = targets[targetOf[i]];
    const slot = plugins.get(target.plugin);
    // An instance that trapped was dropped (its memory may be half-updated):
    // a fresh one is made, with configure, under this call's deadline.
    let result;
    if (slot && !slot.instance)
      result = await instantiate(slot).then(
        (instance) => {
          slot.instance = instance;
        },
        (reason) => failure("trap", `cannot instantiate: ${errorText(reason)}`),
      );
    result ??= runCall(slot, target, data.subarray(bounds[i], bounds[i + 1]));
    if (result instanceof Promise) result = await result;
    codes[i] = status[result.kind];
    outputs[i] = result.bytes;
    Atomics.store(progress, progressSlots.finished, seq);
  }
  let size = 0;
  for (const output of outputs) size += output.length;
  const packed = new Uint8Array(size);
  const offsets = new Uint32Array(count + 1);
  for (let i = 0, offset = 0; i < count; i++) {
    packed.set(outputs[i], offset);
    offset += outputs[i].length;
    offsets[i + 1] = offset;
  }
  const shipped = telemetry;
  telemetry = { logs: [], metrics: [] };
  parentPort.postMessage(
    {
      type: "results",
      results: { first, status: codes, bounds: offsets, data: packed },
      telemetry: shipped,
    },
    [codes.buffer, offsets.buffer, packed.buffer],
  );
}

const encoder = new TextEncoder();
const failure = (kind, text) => ({ kind, bytes: encoder.encode(text) });

/** The call's result; a promise only for a generic plugin (Extism's plugin.call is async). */
function runCall(slot, target, input) {
  if (!slot)
    return failure("unloaded", `plugin version ${target.plugin} is not loaded in this worker`);
  const instance = slot.instance;
  try {
    const result = invoke(instance, target.fn, input, target.tenant);
    return result instanceof Promise
      ? result.catch((reason) => trapped(slot, instance, reason))
      : result;
  } catch (reason) {
    return trapped(slot, instance, reason);
  }
}

function trapped(slot, instance, reason) {
  slot.instance = undefined;
  if (reason instanceof LimitError) return failure("limit", reason.message);
  // A guest that runs out of memory traps inside its allocator: saying how
  // full its memory was tells that apart from other traps.
  const pages = instance.memory.buffer.byteLength / pageBytes;
  // The SDK's abort handler writes the reason as the output before trapping.
  const said = instance.state.output?.length
    ? `: ${decoder.decode(instance.state.output.subarray(0, 1024))}`
    : "";
  return failure(
    "trap",
    `trapped: ${errorText(reason)}${said} (memory ${pages} of ${slot.spec.memoryPages} pages)`,
  );
}

function invoke(instance, fn, input, tenant) {
  const exported = instance.exports[fn];
  if (typeof exported !== "function")
    return failure("missing", `the plugin does not export "${fn}"`);
  instance.state.begin(input, tenant);
  if (instance.generic) return invokeGeneric(instance, fn, input);
  const rc = exported();
  const output = instance.state.output ?? new Uint8Array(0);
  if (rc !== undefined && rc !== 0)
    return output.length
      ? { kind: "error", bytes: output }
      : failure("error", `${fn} returned ${rc}`);
  return { kind: "ok", bytes: output };
}

/** Extism's prefix on an error the guest set with error_set (a plugin error, not a trap). */
const pluginError = "Plugin-originated error: ";

/**
 * A call into a generic Extism PDK plugin: input and output go through
 * Extism's kernel. Extism ignores the export's return code, so a plugin
 * reports an error with error_set (as-pdk: Host.setError or a thrown abort).
 */
async function invokeGeneric(instance, fn, input) {
  let output;
  try {
    output = await instance.plugin.call(fn, input);
  } catch (reason) {
    if (reason instanceof Error && reason.message.startsWith(pluginError))
      return failure("error", reason.message.slice(pluginError.length));
    throw reason;
  }
  // hermes_output_write, if the plugin also uses it, takes precedence (ABI v1).
  const bytes = instance.state.output ?? output?.bytes() ?? new Uint8Array(0);
  if (bytes.length > instance.ioBytes)
    throw new LimitError(
      `output of ${bytes.length} bytes exceeds the ${instance.ioBytes}-byte limit`,
    );
  return { kind: "ok", bytes };
}

/**
 * AssemblyScript's abort(message, file, line, column): strings are UTF-16 with their byte length at
 * ptr - 4.
 */
function abort(memory, message, file, line, column) {
  const text = (ptr) => {
    const buffer = memory?.buffer;
    if (!buffer || ptr < 4 || ptr > buffer.byteLength) return "?";
    const length = new DataView(buffer).getUint32(ptr - 4, true);
    if (ptr + length > buffer.byteLength) return "?";
    return String.fromCharCode(
      ...new Uint16Array(buffer.slice(ptr, ptr + Math.min(length & ~1, 512))),
    );
  };
  throw new Error(`abort: ${text(message)} at ${text(file)}:${line}:${column}`);
}

function errorText(reason) {
  return reason instanceof Error ? reason.message : String(reason);
}
