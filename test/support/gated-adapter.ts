import { create } from "@bufbuild/protobuf";
import type { ChannelAdapter, SendOutcome } from "@hermes/runtime";
import { Channel, type Message, MessageSchema, RouteState } from "@hermes/runtime/contracts";

/**
 * A channel adapter for gateway tests: it takes nothing until the test opens
 * it; then it delivers each send at once, or, with `hold`, keeps each send
 * open until the test calls `finish`.
 */
export class GatedAdapter implements ChannelAdapter {
  readonly type = "gated";
  open = false;
  /** Ids of the messages it was given, in order. */
  readonly sent: string[] = [];
  readonly #hold: boolean;
  readonly #window: number;
  readonly #waiting = new Map<string, (outcome: SendOutcome) => void>();
  #demandChanged = () => {};

  constructor(options: { readonly hold?: boolean; readonly window?: number } = {}) {
    this.#hold = options.hold ?? false;
    this.#window = options.window ?? 100;
  }

  async start(ctx: Parameters<ChannelAdapter["start"]>[0]): Promise<void> {
    this.#demandChanged = () => ctx.demandChanged();
  }

  demand(): number {
    return this.open ? this.#window - this.#waiting.size : 0;
  }

  send(message: Message): Promise<SendOutcome> {
    this.sent.push(message.id);
    if (!this.#hold) return Promise.resolve({ kind: "delivered" });
    return new Promise((resolve) => this.#waiting.set(message.id, resolve));
  }

  openGate(): void {
    this.open = true;
    this.#demandChanged();
  }

  /** Delivers a held send. */
  finish(id: string): void {
    this.#waiting.get(id)?.({ kind: "delivered" });
    this.#waiting.delete(id);
    this.#demandChanged();
  }

  health() {
    return { state: RouteState.UP };
  }

  async stop(): Promise<void> {}
}

/** A chat message to one user, with `text`. */
export function chatMessage(text: string): Message {
  return create(MessageSchema, {
    channel: Channel.CHAT,
    to: { kind: { case: "chatId", value: "u-1" } },
    content: { text },
  });
}
