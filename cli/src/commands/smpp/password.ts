import { Args } from "@oclif/core";
import { hashPassword } from "@hermes/runtime/smpp-server";
import { HermesCommand } from "../../base-command.js";

export default class SmppPassword extends HermesCommand<typeof SmppPassword> {
  static override summary = "Hash an SMPP account's password for the gateway config.";
  static override description =
    'Prints "<salt>:<hash>" (scrypt, a random salt) for an account\'s passwordScrypt in smppServer.accounts, so the config holds no password. SMPP 3.4 passwords are at most 8 characters.';
  static override examples = [
    "<%= config.bin %> smpp password s3cret",
    `<%= config.bin %> smpp password "$(cat acme.password)" --json | jq -r .passwordScrypt`,
  ];
  static override enableJsonFlag = true;
  static override args = {
    password: Args.string({ description: "The account's password.", required: true }),
  };

  public async run(): Promise<unknown> {
    const passwordScrypt = await hashPassword(this.args.password);
    this.log(passwordScrypt);
    return { passwordScrypt };
  }
}
