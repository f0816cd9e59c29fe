import { HttpSink } from "./http-sink.js";

/**
 * How long after a send autoDeliver reports on it: long enough for the gateway to have recorded the
 * send.
 */
const autoDeliverDelayMs = 300;

/**
 * A provider's API on a loopback HTTP sink. Tests drive its webhooks;
 * `hermes dev --providers` turns on autoDeliver so the mock reports each
 * accepted message delivered by itself, as the provider would.
 */
export abstract class ProviderMock {
  readonly sink = new HttpSink();
  /** Where reports go by themselves once autoDeliver is on. */
  #deliverTo: string | undefined;

  start(): Promise<string> {
    return this.sink.start();
  }

  close(): Promise<void> {
    return this.sink.close();
  }

  /**
   * From now on each accepted message is reported delivered to `webhookUrl` (the route's webhook on
   * the gateway) a moment after the send.
   */
  autoDeliver(webhookUrl: string): void {
    this.#deliverTo = webhookUrl;
  }

  /** Reports the message the provider knows as `id` delivered, later, if autoDeliver is on. */
  protected deliverLater(id: string): void {
    const webhookUrl = this.#deliverTo;
    if (!webhookUrl) return;
    setTimeout(() => {
      this.reportDelivered(webhookUrl, id).catch(() => {
        // The gateway stopped meanwhile: nobody is left to tell.
      });
    }, autoDeliverDelayMs);
  }

  /** Posts the provider's own webhooks that take the message to delivered. */
  protected abstract reportDelivered(webhookUrl: string, id: string): Promise<unknown>;
}
