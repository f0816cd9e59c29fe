import { Args } from "@oclif/core";
import { toJson } from "@bufbuild/protobuf";
import { GetMessageResponseSchema } from "@hermes/runtime/contracts";
import { GatewayCommand } from "../gateway-command.js";
import { cascadeChain } from "../output/cascade-view.js";
import { eventLine, messageCard } from "../output/message-view.js";

export default class Status extends GatewayCommand<typeof Status> {
  static override summary = "Show a message's status and history.";
  static override description =
    "Prints the message as the gateway stores it (status, route, attempts, provider id, last error, when a waiting message goes) and every event of its history, oldest first. For a cascade, or one of its steps, it draws the cascade's chain: each step, where it stands and its message. Exits 6 when no message has that id for your key's tenant.";
  static override examples = [
    "<%= config.bin %> status 01JD6Y3M4Q8X2T0V5N7B9C1D3F",
    "<%= config.bin %> status 01JD6Y3M4Q8X2T0V5N7B9C1D3F --json | jq -r .message.status",
  ];
  static override enableJsonFlag = true;
  static override args = {
    id: Args.string({ description: "The message id that send printed.", required: true }),
  };

  public async run(): Promise<unknown> {
    const found = await this.gateway.messages.getMessage({ id: this.args.id });
    if (this.jsonEnabled()) return toJson(GetMessageResponseSchema, found);
    this.log(messageCard(found.message!));
    this.log("");
    if (found.cascade) {
      this.log(cascadeChain(found.cascade, this.args.id));
      this.log("");
    }
    this.log(
      found.events.length
        ? `History\n${found.events.map((e) => `  ${eventLine(e)}`).join("\n")}`
        : "No events yet.",
    );
    return found;
  }
}
