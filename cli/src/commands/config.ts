import { GatewayCommand } from "../gateway-command.js";
import { profileFilePath } from "../connection/profiles.js";

export default class Config extends GatewayCommand<typeof Config> {
  static override summary =
    "Show which gateway and token the CLI would use, and where each came from.";
  static override description =
    "Resolves --server/--token/--profile, HERMES_URL/HERMES_TOKEN/HERMES_PROFILE and the profile file exactly as every other command does, without calling the gateway. The token is shown masked.";
  static override examples = [
    "<%= config.bin %> config",
    "<%= config.bin %> config --profile prod --json",
  ];
  static override enableJsonFlag = true;

  public async run(): Promise<unknown> {
    const c = this.connection;
    const result = {
      server: c.server,
      serverSource: c.serverSource,
      token: c.token ? mask(c.token) : null,
      tokenSource: c.tokenSource ?? null,
      profile: c.profile ?? null,
      profileFile: profileFilePath(),
      transport: c.http1 ? "connect over HTTP/1.1" : "connect over HTTP/2 (h2c)",
    };
    const rows: [string, string][] = [
      ["server", `${result.server}  (${result.serverSource})`],
      ["token", result.token ? `${result.token}  (${result.tokenSource})` : "none"],
      ["profile", `${result.profile ?? "none"}  (file ${result.profileFile})`],
      ["transport", result.transport],
    ];
    this.log(rows.map(([k, v]) => `${k.padEnd(9)}  ${v}`).join("\n"));
    return result;
  }
}

/** Enough of a token to tell keys apart, never enough to use one. */
function mask(token: string): string {
  return token.length <= 8 ? "****" : `${token.slice(0, 4)}…${token.slice(-2)}`;
}
