import { Flags } from "@oclif/core";
import { toJson } from "@bufbuild/protobuf";
import {
  DeliveryEventSchema,
  MessageSchema,
  MessageStatus,
  type DeliveryEvent,
  type Message,
} from "@hermes/runtime/contracts";
import { isTerminal } from "@hermes/runtime";
import { GatewayCommand } from "../gateway-command.js";
import { ExitCode } from "../errors/exit-codes.js";
import { Failure } from "../errors/failure.js";
import { buildMessage } from "../messages/build-message.js";
import { waitForTerminal } from "../messages/wait.js";
import { channelNames, describeError, statusName } from "../output/names.js";
import { coloredStatus } from "../output/message-view.js";

export default class Send extends GatewayCommand<typeof Send> {
  static override summary = "Send a message (SMS, email, push, chat or webhook).";
  static override description =
    `Sends one message and prints its id once the gateway has stored it. With --wait, follows it until it is delivered (exit 0) or failed, expired or rejected (exit ${ExitCode.Undelivered}). --body and --html take @file to read a file. --file takes a hermes.v1.Message as JSON ("-" for stdin); flags override its fields.`;
  static override examples = [
    "<%= config.bin %> send --channel sms --to +447700900123 --body 'Your code is 123456' --wait",
    "<%= config.bin %> send --channel email --to ann@example.com --from 'Shop <shop@example.com>' --subject Welcome --html @welcome.html",
    "<%= config.bin %> send --channel push --to <device-token> --subject 'Order shipped' --body 'Arrives Tuesday'",
    "<%= config.bin %> send --file message.json --to +447700900124 --idempotency-key order-42",
    'echo \'{"channel":"sms","to":{"phone":"+447700900123"},"content":{"text":"hi"}}\' | <%= config.bin %> send --file - --json',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    channel: Flags.option({
      char: "c",
      options: channelNames,
      description: "Channel to send on.",
    })(),
    to: Flags.string({
      char: "t",
      helpValue: "<recipient>",
      description:
        "Recipient: phone (sms), mailbox (email), device token (push), chat id (chat) or URL (webhook).",
    }),
    from: Flags.string({
      helpValue: "<sender>",
      description: "Sender, in the channel's address form; else the route's default sender.",
    }),
    body: Flags.string({
      char: "b",
      helpValue: "<text|@file>",
      description: "Text body (SMS text, email text part, push body); @file reads a file.",
    }),
    subject: Flags.string({
      char: "s",
      helpValue: "<text>",
      description: "Subject (email) or title (push).",
    }),
    html: Flags.string({
      helpValue: "<html|@file>",
      description: "HTML body (email); @file reads a file.",
    }),
    file: Flags.string({
      char: "f",
      helpValue: "<file|->",
      description: 'A hermes.v1.Message as JSON; "-" reads stdin.',
    }),
    metadata: Flags.string({
      char: "m",
      multiple: true,
      helpValue: "<key=value>",
      description: "key=value echoed on every event (repeatable).",
    }),
    "idempotency-key": Flags.string({
      char: "k",
      helpValue: "<key>",
      description: "Retries with the same key return the first message instead of sending again.",
    }),
    priority: Flags.integer({
      min: 0,
      max: 9,
      helpValue: "<0-9>",
      description: "Higher is sent first within a route (0-9).",
    }),
    wait: Flags.boolean({
      char: "w",
      description: "Wait until the message is delivered, failed, expired or rejected.",
    }),
    timeout: Flags.integer({
      min: 1,
      default: 120,
      helpValue: "<seconds>",
      description: "Seconds --wait waits before giving up (exit 11).",
    }),
  };

  public async run(): Promise<unknown> {
    const { flags } = this;
    const message = buildMessage({
      channel: flags.channel,
      to: flags.to,
      from: flags.from,
      body: flags.body,
      subject: flags.subject,
      html: flags.html,
      metadata: flags.metadata,
      idempotencyKey: flags["idempotency-key"],
      priority: flags.priority,
      file: flags.file,
    });
    const sent = await this.step(
      "Sending",
      () => this.gateway.messages.send({ message }),
      (r) => (r.duplicate ? "duplicate" : "accepted"),
    );
    let final = sent.message!;
    this.log(
      `${final.id}  ${coloredStatus(final.status)}${final.route ? `  route ${final.route}` : ""}${sent.duplicate ? "  (an earlier send with this idempotency key)" : ""}`,
    );

    let events: DeliveryEvent[] | undefined;
    if (flags.wait && !isTerminal(final.status)) {
      const result = await this.step(
        `Waiting for ${final.id}`,
        () => waitForTerminal(this.gateway.messages, final.id, flags.timeout * 1000),
        (r) => statusName(r.message.status),
      );
      final = result.message;
      events = result.events;
      if (!this.jsonEnabled()) this.log(outcomeLine(final));
    }
    // Without --wait only a message already refused for good counts as undelivered.
    const undelivered =
      final.status !== MessageStatus.DELIVERED && (flags.wait || isTerminal(final.status));
    if (this.jsonEnabled()) {
      this.logJson({
        message: toJson(MessageSchema, final),
        duplicate: sent.duplicate,
        ...(events ? { events: events.map((e) => toJson(DeliveryEventSchema, e)) } : {}),
      });
      if (undelivered) this.exit(ExitCode.Undelivered);
      return undefined;
    }
    if (undelivered) {
      throw new Failure(
        ExitCode.Undelivered,
        `${final.id} was not delivered: ${statusName(final.status)}${final.error ? ` ${describeError(final.error)}` : ""}`,
        {
          reason: statusName(final.status),
          hints: [`see its history with \`hermes status ${final.id}\``],
        },
      );
    }
    return undefined;
  }
}

function outcomeLine(message: Message): string {
  return `${message.id}  ${coloredStatus(message.status)} after ${message.attempts} attempt${message.attempts === 1 ? "" : "s"}${message.providerMessageId ? `  provider id ${message.providerMessageId}` : ""}`;
}
