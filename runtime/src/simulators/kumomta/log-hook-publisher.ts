/** Where and how the simulated log hook posts records. */
export interface LogHookOptions {
  readonly url: string;
  /** Extra request headers, e.g. the shared secret header. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Records per POST; 1 (the default) posts each record as one JSON object, as `log_hooks:new_json`
   * does.
   */
  readonly batchSize?: number;
  /** Body of a batch: a JSON array (default) or newline-delimited JSON. */
  readonly batchFormat?: "array" | "ndjson";
  /** How long a partial batch waits for more records. */
  readonly flushMs?: number;
  /** Backoff between retries of a failed POST. */
  readonly retry?: { readonly initialMs: number; readonly maxMs: number };
}

/**
 * KumoMTA queues log hook messages like mail and delivers them in order
 * over HTTP. This publisher does the same: one POST at a time, in record
 * order, batches when asked. A network error, a 5xx or a 429 is retried
 * with backoff until it succeeds; any other non-2xx is a permanent failure,
 * as `log_hooks:new_json` treats it (kumo.reject(500)), and is dropped and
 * counted.
 */
export class LogHookPublisher {
  readonly #options: Required<Omit<LogHookOptions, "headers">> & {
    headers: Readonly<Record<string, string>>;
  };
  readonly #queue: Array<Record<string, unknown>> = [];
  #running: Promise<void> | undefined;
  #closed = false;
  /** Ends the current wait early: a flush wait on publish and close, a retry wait on close only. */
  #wake: (() => void) | undefined;
  #wakeOnPublish = false;
  /** Records acknowledged with a 2xx. */
  posted = 0;
  /** POSTs that failed and were retried. */
  retried = 0;
  /** Records dropped after a permanent (4xx) refusal. */
  rejected = 0;
  /** The last non-2xx answer, for tests and logs. */
  lastFailure = "";

  constructor(options: LogHookOptions) {
    this.#options = {
      url: options.url,
      headers: options.headers ?? {},
      batchSize: Math.max(1, options.batchSize ?? 1),
      batchFormat: options.batchFormat ?? "array",
      flushMs: options.flushMs ?? 5,
      retry: options.retry ?? { initialMs: 50, maxMs: 2000 },
    };
  }

  publish(record: Record<string, unknown>): void {
    if (this.#closed) return;
    this.#queue.push(record);
    if (this.#wakeOnPublish && this.#queue.length >= this.#options.batchSize) this.#wake?.();
    this.#running ??= this.#run().finally(() => (this.#running = undefined));
  }

  /** Resolves once every record published so far was posted or dropped. */
  async drain(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Stops posting; records not yet posted are discarded. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    await this.#running;
  }

  async #run(): Promise<void> {
    while (!this.#closed && this.#queue.length > 0) {
      if (this.#queue.length < this.#options.batchSize)
        await this.#sleep(this.#options.flushMs, true);
      const batch = this.#queue.splice(0, this.#options.batchSize);
      await this.#post(batch);
    }
  }

  async #post(batch: Array<Record<string, unknown>>): Promise<void> {
    const { batchSize, batchFormat, retry } = this.#options;
    const body =
      batchSize === 1
        ? JSON.stringify(batch[0])
        : batchFormat === "ndjson"
          ? batch.map((r) => JSON.stringify(r)).join("\n")
          : JSON.stringify(batch);
    let delay = retry.initialMs;
    while (!this.#closed) {
      try {
        const response = await fetch(this.#options.url, {
          method: "POST",
          headers: {
            "content-type":
              batchFormat === "ndjson" && batchSize > 1
                ? "application/x-ndjson"
                : "application/json",
            ...this.#options.headers,
          },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        const text = await response.text();
        if (response.ok) {
          this.posted += batch.length;
          return;
        }
        this.lastFailure = `${response.status} ${text.trim()}`;
        if (response.status !== 429 && response.status < 500) {
          this.rejected += batch.length;
          return;
        }
      } catch (reason) {
        this.lastFailure = String((reason as { cause?: unknown }).cause ?? reason);
      }
      this.retried++;
      await this.#sleep(delay, false);
      delay = Math.min(retry.maxMs, delay * 2);
    }
  }

  #sleep(ms: number, wakeOnPublish: boolean): Promise<void> {
    this.#wakeOnPublish = wakeOnPublish;
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}
