import { Flags, ux } from "@oclif/core";
import { toJson } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { DeliveryEventSchema } from "@hermes/runtime/contracts";
import { GatewayCommand } from "../gateway-command.js";
import { ExitCode } from "../errors/exit-codes.js";
import { Failure } from "../errors/failure.js";
import { followEvents } from "../messages/follow-events.js";
import { channelNames, channelOf, statusNames, statusOf } from "../output/names.js";
import { eventLine } from "../output/message-view.js";

export default class Watch extends GatewayCommand<typeof Watch> {
  static override summary = "Stream delivery events as they happen.";
  static override description =
    `Follows MessageService.WatchEvents for your key's tenant, one event per line (with --json, one JSON object per line). When the connection drops it reconnects and resumes after the last event it printed, so nothing is missed or repeated. Stops on Ctrl-C, after --count events, or after --timeout seconds (exit ${ExitCode.Timeout} if --count was not reached by then).`;
  static override examples = [
    "<%= config.bin %> watch",
    "<%= config.bin %> watch --channel sms --status failed --status expired",
    "<%= config.bin %> watch --message 01JD6Y3M4Q8X2T0V5N7B9C1D3F --since 0",
    "<%= config.bin %> watch --status delivered --count 1 --timeout 30 --json",
  ];
  static override enableJsonFlag = true;
  static override flags = {
    channel: Flags.option({
      options: channelNames,
      multiple: true,
      description: "Only events of this channel (repeatable).",
    })(),
    message: Flags.string({
      multiple: true,
      helpValue: "<id>",
      description: "Only events of this message id (repeatable).",
    }),
    status: Flags.option({
      options: statusNames,
      multiple: true,
      description: "Only events that leave the message in this status (repeatable).",
    })(),
    since: Flags.string({
      description: "Replay stored events after this sequence first (0 replays all history).",
      helpValue: "<sequence>",
    }),
    count: Flags.integer({
      char: "n",
      min: 1,
      helpValue: "<n>",
      description: "Stop after this many events.",
    }),
    timeout: Flags.integer({
      min: 1,
      helpValue: "<seconds>",
      description: "Stop after this many seconds.",
    }),
  };

  public async run(): Promise<unknown> {
    const { flags } = this;
    const since = parseSequence(flags.since);
    const wanted = new Set((flags.status ?? []).map(statusOf));
    const abort = new AbortController();
    let timedOut = false;
    const timer = flags.timeout
      ? setTimeout(() => {
          timedOut = true;
          abort.abort();
        }, flags.timeout * 1000)
      : undefined;
    let seen = 0;
    try {
      const events = followEvents(
        this.gateway.messages,
        {
          afterSequence: since ?? 0n,
          replay: since !== undefined,
          messageIds: flags.message,
          channels: (flags.channel ?? []).map(channelOf),
        },
        {
          signal: abort.signal,
          onReconnect: ({ attempt, delayMs, reason, afterSequence }) =>
            ux.stderr(
              `${ux.colorize("yellow", "!")} stream lost (${reason instanceof ConnectError ? reason.rawMessage : String(reason)}); reconnecting in ${delayMs} ms (attempt ${attempt}, resuming after #${afterSequence})`,
            ),
        },
      );
      if (!this.jsonEnabled())
        ux.stderr(
          ux.colorize(
            "dim",
            `Watching ${this.connection.server}${since !== undefined ? ` from #${since}` : ""} (Ctrl-C to stop)`,
          ),
        );
      for await (const event of events) {
        if (wanted.size > 0 && !wanted.has(event.status)) continue;
        // Written directly: with --json this is NDJSON, one event per line, as it happens.
        ux.stdout(
          this.jsonEnabled()
            ? JSON.stringify(toJson(DeliveryEventSchema, event))
            : eventLine(event),
        );
        if (flags.count !== undefined && ++seen >= flags.count) return undefined;
      }
    } finally {
      clearTimeout(timer);
      abort.abort();
    }
    if (timedOut && flags.count !== undefined) {
      throw new Failure(
        ExitCode.Timeout,
        `saw ${seen} of ${flags.count} events in ${flags.timeout} s`,
        { reason: "timeout" },
      );
    }
    return undefined;
  }
}

function parseSequence(raw: string | undefined): bigint | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw))
    throw new Failure(
      ExitCode.Usage,
      `--since takes an event sequence number (e.g. 0 or 1234), got "${raw}"`,
      { reason: "usage", field: "since" },
    );
  return BigInt(raw);
}
