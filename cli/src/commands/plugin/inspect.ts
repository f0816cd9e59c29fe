import { Args, Flags, ux } from "@oclif/core";
import { toJson } from "@bufbuild/protobuf";
import {
  AbiVersion,
  Capability,
  ManifestSchema,
  type Manifest,
} from "@hermes/runtime/contracts/plugin";
import { readManifest } from "@hermes/runtime/plugin-host";
import { readSignatures, verify } from "@hermes/runtime/plugin-registry";
import { HermesCommand } from "../../base-command.js";
import { readPublicKey } from "../../plugins/keys.js";
import { kib, moduleInterface, readWasm, sha256Hex } from "../../plugins/artifact.js";
import { channelName } from "../../output/names.js";
import { renderTable } from "../../output/table.js";

export default class PluginInspect extends HermesCommand<typeof PluginInspect> {
  static override summary =
    "Show a plugin's manifest, capabilities, signatures and size without running it.";
  static override description =
    "Reads the manifest from the module's `hermes.manifest` custom section (exit 10 when it is missing or invalid), lists the signatures in its `signature` section and, with --key, checks them. Also lists the module's exports and imports, so an ABI mismatch shows before publishing.";
  static override examples = [
    "<%= config.bin %> plugin inspect dist/twilio-sms.wasm",
    "<%= config.bin %> plugin inspect dist/twilio-sms.wasm --key hermes-publisher.pub --json",
  ];
  static override enableJsonFlag = true;
  static override args = {
    file: Args.string({ description: "The .wasm to inspect.", required: true }),
  };
  static override flags = {
    key: Flags.string({
      char: "k",
      multiple: true,
      description: "Also verify the signatures against these public keys.",
    }),
  };

  public async run(): Promise<unknown> {
    const wasm = readWasm(this.args.file);
    const manifest = readManifest(wasm);
    const { exports, imports } = await moduleInterface(wasm);
    const sets = readSignatures(wasm)?.signedHashesSet ?? [];
    const signatures = sets.flatMap((set) =>
      set.signatures.map((s) => (s.keyId ? Buffer.from(s.keyId).toString("hex") : "(no key id)")),
    );
    const verified = this.flags.key
      ? verify(wasm, this.flags.key.map(readPublicKey)).signers.map((k) => k.id)
      : undefined;
    const info = {
      file: this.args.file,
      sizeBytes: wasm.length,
      sha256: sha256Hex(wasm),
      manifest: toJson(ManifestSchema, manifest),
      signatures: {
        count: signatures.length,
        keyIds: signatures,
        ...(verified ? { verifiedBy: verified } : {}),
      },
      exports,
      imports,
    };
    if (this.jsonEnabled()) return info;
    this.log(await describe(manifest, info, verified));
    return info;
  }
}

async function describe(
  manifest: Manifest,
  info: {
    file: string;
    sizeBytes: number;
    sha256: string;
    signatures: { count: number; keyIds: string[] };
    exports: string[];
    imports: string[];
  },
  verified: string[] | undefined,
): Promise<string> {
  const limits = manifest.limits;
  const lines = [
    `${ux.colorize("bold", `${manifest.name}@${manifest.version}`)}  ${manifest.description}`,
    `  file          ${info.file} (${kib(info.sizeBytes)}, sha256 ${info.sha256})`,
    `  abi           ${AbiVersion[manifest.abiVersion]?.toLowerCase() ?? manifest.abiVersion}`,
    manifest.publisher && `  publisher     ${manifest.publisher}`,
    `  channels      ${manifest.channels.map(channelName).join(", ") || "(none)"}`,
    `  capabilities  ${manifest.capabilities.map((c) => Capability[c]?.toLowerCase() ?? c).join(", ") || "(none)"}`,
    `  allowed hosts ${manifest.allowedHosts.join(", ") || "(no network)"}`,
    limits &&
      `  limits        call ${limits.callTimeoutMs || "default"} ms, memory ${limits.maxMemoryPages || "default"} pages, io ${limits.maxIoBytes || "default"} B, http response ${limits.maxHttpResponseBytes || "default"} B`,
    `  signatures    ${info.signatures.count === 0 ? ux.colorize("yellow", "unsigned") : `${info.signatures.count} (key ids: ${info.signatures.keyIds.join(", ")})`}${verified ? ux.colorize("green", `; verified by ${verified.join(", ")}`) : ""}`,
    `  exports       ${info.exports.join(", ")}`,
    `  imports       ${info.imports.join(", ") || "(none)"}`,
  ].filter(Boolean);
  const config = manifest.configSchema.length
    ? await renderTable(
        manifest.configSchema.map((f) => ({
          name: f.name,
          required: f.required ? "yes" : "",
          secret: f.secret ? "yes" : "",
          default: f.defaultValue,
          description: f.description,
        })),
        [
          { key: "name", name: "Config" },
          { key: "required", name: "Required" },
          { key: "secret", name: "Secret" },
          { key: "default", name: "Default" },
          { key: "description", name: "Description" },
        ],
      )
    : "  (no configuration)";
  return `${lines.join("\n")}\n\n${config}`;
}
