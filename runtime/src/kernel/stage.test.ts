import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BroadcastDispatcher, type Subscription } from "./dispatcher.js";
import type { SubscribeOptions } from "./stage.js";
import { Consumer, Producer, ProducerConsumer } from "./stages.js";
import { Supervisor } from "./supervisor.js";
import { delay, Journal, seededRandom } from "./testing/fixtures.js";

/** Produces 0, 1, 2... up to `limit`, recording every demand it is asked to serve. */
class Numbers extends Producer<number> {
  next = 0;
  readonly demands: number[] = [];
  constructor(
    readonly limit = Infinity,
    options: ConstructorParameters<typeof Producer<number>>[0] = {},
  ) {
    super({ name: "numbers", ...options });
  }

  push(events: number[]): void {
    this.schedule("main", () => this.emit(events));
  }

  protected override handleDemand(demand: number): number[] {
    this.demands.push(demand);
    const out: number[] = [];
    while (out.length < demand && this.next < this.limit) out.push(this.next++);
    return out;
  }
}

class Doubler extends ProducerConsumer<number, number> {
  readonly seen: number[] = [];
  constructor(
    readonly upstream: Producer<number>,
    readonly options: SubscribeOptions = {},
  ) {
    super({ name: "doubler" });
  }

  protected override init(): void {
    this.subscribe(this.upstream, this.options);
  }

  protected override handleEvents(events: number[]): number[] {
    this.seen.push(...events);
    return events.map((x) => x * 2);
  }
}

/** Records what it gets; journals `got:<n>` after each batch (n = total so far). */
class Sink extends Consumer<number> {
  readonly got: number[] = [];
  readonly batches: number[] = [];
  subscription!: Subscription;
  constructor(
    readonly upstream: Producer<number> | ProducerConsumer<number, number>,
    readonly journal: Journal,
    readonly options: SubscribeOptions = {},
    readonly onBatch: (events: number[]) => void | Promise<void> = () => {},
  ) {
    super({ name: "sink" });
  }

  askMore(n: number): void {
    this.ask(this.subscription, n);
  }

  protected override init(): void {
    this.subscription = this.subscribe(this.upstream, this.options);
  }

  protected override async handleEvents(events: number[]): Promise<void> {
    this.got.push(...events);
    this.batches.push(events.length);
    this.journal.push(`got:${this.got.length}`);
    await this.onBatch(events);
  }
}

const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);

describe("Stages: demand", () => {
  it("never sends more than asked: a manual consumer that stops asking stops the flow", async () => {
    const journal = new Journal();
    const producer = await new Numbers().start();
    const sink = await new Sink(producer, journal, { mode: "manual" }).start();
    sink.askMore(3);
    await journal.until("got:3");
    sink.askMore(2);
    await journal.until("got:5");
    await delay(5); // give a misbehaving producer the chance to send more
    assert.deepEqual(sink.got, range(5));
    assert.deepEqual(producer.demands, [3, 2]);
    assert.equal(producer.snapshot().demand, 0);
    assert.equal(sink.snapshot().demand, 0);
    await sink.stop();
    await producer.stop();
  });

  it("asks maxDemand, then again in chunks of maxDemand - minDemand", async () => {
    const journal = new Journal();
    const producer = await new Numbers(40).start();
    const sink = await new Sink(producer, journal, { maxDemand: 10, minDemand: 6 }).start();
    await journal.until("got:40");
    assert.deepEqual(sink.got, range(40));
    assert.equal(producer.demands[0], 10);
    // Re-asks come in chunks of at least maxDemand - minDemand, never dribbling one by one...
    assert.ok(
      producer.demands.slice(1).every((d) => d >= 4),
      `re-asks ${producer.demands.join(",")}`,
    );
    assert.ok(sink.batches.every((b) => b <= 4));
    // ...and asked-but-unhandled never exceeds maxDemand.
    assert.equal(
      producer.demands.reduce((a, b) => a + b, 0) - sink.got.length,
      sink.snapshot().demand,
    );
    assert.ok(sink.snapshot().demand <= 10);
    await sink.stop();
    await producer.stop();
  });

  it("carries backpressure across a producer-consumer", async () => {
    const journal = new Journal();
    const producer = await new Numbers().start();
    const doubler = await new Doubler(producer, { maxDemand: 8 }).start();
    const sink = await new Sink(doubler, journal, { mode: "manual" }).start();
    sink.askMore(3);
    await journal.until("got:3");
    await delay(5);
    assert.deepEqual(sink.got, [0, 2, 4]);
    assert.deepEqual(doubler.seen, [0, 1, 2]); // took only what downstream asked for
    assert.ok(producer.next <= doubler.seen.length + 8, `produced ${producer.next}`); // bounded by its maxDemand
    assert.equal(Number(doubler.snapshot().detail.pending_events), producer.next - 3); // waiting in it, not lost
    for (const stage of [sink, doubler, producer]) await stage.stop();
  });

  it("buffers events emitted beyond demand, bounded, dropping the oldest", async () => {
    const journal = new Journal();
    const producer = await new Numbers(0, { bufferSize: 4 }).start();
    producer.push(range(6));
    const sink = await new Sink(producer, journal, { mode: "manual" }).start();
    sink.askMore(10);
    await journal.until("got:4");
    assert.deepEqual(sink.got, [2, 3, 4, 5]);
    assert.equal(producer.snapshot().detail.dropped, "2");
    await sink.stop();
    await producer.stop();
  });

  it("shares events among consumers by demand, and broadcasts at the slowest pace", async () => {
    const journal = new Journal();
    const shared = await new Numbers(100).start();
    let total = 0;
    const count = (events: number[]): void => journal.push(`total:${(total += events.length)}`);
    const one = await new Sink(shared, new Journal(), { maxDemand: 10 }, count).start();
    const two = await new Sink(shared, new Journal(), { maxDemand: 7 }, count).start();
    await journal.until("total:100");
    assert.deepEqual(
      [...one.got, ...two.got].sort((a, b) => a - b),
      range(100),
    );
    for (const stage of [one, two, shared]) await stage.stop();

    const broadcaster = await new Numbers(Infinity, {
      dispatcher: new BroadcastDispatcher(),
    }).start();
    const fast = await new Sink(broadcaster, new Journal(), { mode: "manual" }).start();
    const slowJournal = new Journal();
    const slow = await new Sink(broadcaster, slowJournal, { mode: "manual" }).start();
    fast.askMore(10);
    slow.askMore(3);
    await slowJournal.until("got:3");
    await delay(5);
    assert.deepEqual(fast.got, range(3));
    assert.deepEqual(slow.got, range(3));
    for (const stage of [fast, slow, broadcaster]) await stage.stop();
  });

  it("a permanent subscription exits with its producer; a temporary one stays", async () => {
    const producer = await new Numbers().start();
    const permanent = await new Sink(producer, new Journal(), { mode: "manual" }).start();
    const temporary = await new Sink(producer, new Journal(), {
      mode: "manual",
      cancel: "temporary",
    }).start();
    producer.kill();
    assert.equal(await permanent.exited, "killed");
    await delay(1);
    assert.equal(temporary.alive, true);
    await temporary.stop();
  });
});

describe("Stages: consumer crash and restart", () => {
  for (const seed of [11, 12, 13, 14, 15, 16]) {
    it(`loses and duplicates no event (seed ${seed})`, async () => {
      const random = seededRandom(seed);
      const total = 500;
      const delivered: number[] = [];
      const journal = new Journal();
      let producer: Numbers | undefined;
      const crashes = new Set(range(8).map(() => Math.floor(random() * total)));
      const sup = await Supervisor.start({
        name: "pipeline",
        strategy: "rest_for_one",
        intensity: 100,
        children: [
          { id: "numbers", start: async () => (producer = await new Numbers(total).start()) },
          {
            id: "sink",
            start: () =>
              new Sink(
                producer!,
                journal,
                { maxDemand: 1 + Math.floor(random() * 30) },
                async (events) => {
                  delivered.push(...events);
                  journal.push(`delivered:${delivered.length}`);
                  if (random() < 0.3) await delay(0); // let batches pile up in the mailbox
                  const crashAt = events.find((e) => crashes.has(e));
                  if (crashAt !== undefined) {
                    crashes.delete(crashAt);
                    throw new Error(`crash at ${crashAt}`);
                  }
                },
              ).start(),
          },
        ],
      });
      await journal.until(`delivered:${total}`);
      await delay(5);
      // Handed to handleEvents exactly once each, in order, across incarnations.
      assert.deepEqual(delivered, range(total));
      assert.ok(sup.snapshot().children[1]!.restarts >= 1);
      await sup.stop();
    });
  }
});
