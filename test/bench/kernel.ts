// The kernel against a plain async loop doing the same work, in one run: one
// actor's mailbox (cast N messages to an async handler, then a call) against
// a loop awaiting the same async handler on an array of N. Each side runs
// five times, interleaved; the median counts.
import { Actor } from "@hermes/runtime/kernel";
import { median } from "./_measure.js";

const messages = 200_000;

/** The per-message work both sides do: a little arithmetic, so the overhead shows. */
const work = (x: number): number => (Math.imul(x, 2654435761) >>> 7) & 1023;

class Summer extends Actor<"sum", number, number> {
  sum = 0;
  protected override async handleCast(x: number): Promise<void> {
    this.sum += work(x);
  }
  protected override handleCall(): number {
    return this.sum;
  }
}

async function actorRun(): Promise<number> {
  const actor = await new Summer().start();
  for (let i = 0; i < messages; i++) actor.cast(i);
  const sum = await actor.call("sum", { timeoutMs: Infinity, priority: "log" });
  await actor.stop();
  return sum;
}

async function actorLoop(): Promise<number> {
  let sum = 0;
  const handle = async (x: number): Promise<void> => {
    sum += work(x);
  };
  const queue: number[] = [];
  for (let i = 0; i < messages; i++) queue.push(i);
  for (const x of queue) await handle(x);
  return sum;
}

/** Items per second of `run`, over `count` items. */
async function rate(
  run: () => Promise<number>,
  count: number,
): Promise<{ perSecond: number; result: number }> {
  const started = process.hrtime.bigint();
  const result = await run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { perSecond: count / seconds, result };
}

/** Runs both sides interleaved `rounds` times; checks they computed the same. */
async function compare(
  ours: () => Promise<number>,
  reference: () => Promise<number>,
  count: number,
  rounds = 5,
) {
  await ours();
  await reference(); // warm-up
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const x = await rate(ours, count);
    const y = await rate(reference, count);
    if (x.result !== y.result) throw new Error(`results differ: ${x.result} vs ${y.result}`);
    a.push(x.perSecond);
    b.push(y.perSecond);
  }
  return { ours: median(a), reference: median(b) };
}

export default async function (): Promise<Record<string, number>> {
  const actor = await compare(actorRun, actorLoop, messages);
  return {
    actor_msgs_per_s: actor.ours,
    loop_msgs_per_s: actor.reference,
    actor_vs_loop_ratio: actor.ours / actor.reference,
  };
}
