import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Flags } from "@oclif/core";
import { generateKeyPair } from "@hermes/runtime/plugin-registry";
import { HermesCommand } from "../../base-command.js";
import { ExitCode } from "../../errors/exit-codes.js";
import { Failure } from "../../errors/failure.js";
import { publicKeyText } from "../../plugins/keys.js";

export default class KeysGenerate extends HermesCommand<typeof KeysGenerate> {
  static override summary = "Create an Ed25519 key pair for signing plugins.";
  static override description =
    "Writes <name>.key (the secret key, mode 0600) and <name>.pub (the public key) and prints the public key and its id. PEM by default (easy to store as a CI secret: HERMES_SIGNING_KEY); --format wasmsign2 writes wasmsign2's raw key files instead. Both work with `hermes plugin sign` and with wasmsign2. Never overwrites a key unless --force.";
  static override examples = [
    "<%= config.bin %> keys generate",
    "<%= config.bin %> keys generate --name acme-release --dir ~/.config/hermes/keys --json",
  ];
  static override enableJsonFlag = true;
  static override flags = {
    name: Flags.string({
      char: "n",
      default: "hermes-publisher",
      description: "Base name of the key files.",
    }),
    dir: Flags.string({ char: "d", default: ".", description: "Directory to write them to." }),
    format: Flags.option({
      options: ["pem", "wasmsign2"] as const,
      default: "pem" as const,
      description: "Key file format.",
    })(),
    force: Flags.boolean({ description: "Overwrite existing key files." }),
  };

  public async run(): Promise<unknown> {
    const { name, dir, format, force } = this.flags;
    const secretFile = resolve(join(dir, `${name}.key`));
    const publicFile = resolve(join(dir, `${name}.pub`));
    for (const file of [secretFile, publicFile]) {
      if (existsSync(file) && !force) {
        throw new Failure(ExitCode.Usage, `${file} exists; not overwriting a key`, {
          reason: "exists",
          hints: ["pick another --name, or pass --force to replace it"],
        });
      }
    }
    const { publicKey, secretKey } = generateKeyPair();
    mkdirSync(dir, { recursive: true });
    writeFileSync(secretFile, format === "pem" ? secretKey.toPem() : secretKey.toWasmsign2(), {
      mode: 0o600,
    });
    writeFileSync(publicFile, format === "pem" ? publicKey.toPem() : publicKey.toWasmsign2());
    const result = {
      keyId: publicKey.id,
      publicKey: publicKeyText(publicKey),
      secretKeyFile: secretFile,
      publicKeyFile: publicFile,
      format,
    };
    this.log(`Public key ${result.publicKey}  (id ${publicKey.id})`);
    this.log(`  secret key  ${secretFile}  (keep it secret: CI reads it from HERMES_SIGNING_KEY)`);
    this.log(`  public key  ${publicFile}`);
    this.log(`Trust it on a gateway: hermes keys trust ${result.publicKey}`);
    return result;
  }
}
