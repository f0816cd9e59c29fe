// protoc-gen-hermes-as: a pure protoc plugin (request in, response out) that
// emits AssemblyScript message classes with protobuf binary encode/decode for
// plugin authors. Services are not generated: plugins speak the ABI, not RPC.
import { create, createFileRegistry, type DescMessage } from "@bufbuild/protobuf";
import {
  CodeGeneratorResponse_Feature,
  CodeGeneratorResponseSchema,
  FeatureSet_FieldPresence,
  FileDescriptorSetSchema,
  type CodeGeneratorRequest,
  type CodeGeneratorResponse,
} from "@bufbuild/protobuf/wkt";
import type { Plugin } from "@bufbuild/protoplugin";
import { emitFile } from "./emit-file.js";

const name = "protoc-gen-hermes-as";
const version = "v0.1.0";

/** Options, as `key=value` pairs separated by commas (`opt:` in buf.gen.yaml). */
function parseOptions(parameter: string): { runtime: string } {
  const options = { runtime: "../proto" };
  for (const pair of parameter.split(",").filter((p) => p.length > 0)) {
    const [key, value] = pair.split("=", 2);
    if (key === "runtime" && value) options.runtime = value;
    else
      throw new Error(
        `${name}: unknown option "${pair}" (known: runtime=<import path of sdk/assembly/proto: relative to the output root, or a package path>)`,
      );
  }
  return options;
}

export const plugin: Plugin = {
  name,
  version,
  run(request: CodeGeneratorRequest): CodeGeneratorResponse {
    const options = parseOptions(request.parameter);
    const registry = createFileRegistry(
      create(FileDescriptorSetSchema, { file: request.protoFile }),
    );
    const files = [];
    for (const fileName of request.fileToGenerate) {
      const file = registry.getFile(fileName);
      if (!file) throw new Error(`${name}: ${fileName} is not in the request`);
      for (const m of file.messages) checkSupported(m);
      const emitted = emitFile(file, { runtime: options.runtime, generator: `${name} ${version}` });
      if (emitted) files.push(emitted);
    }
    return create(CodeGeneratorResponseSchema, {
      supportedFeatures: BigInt(CodeGeneratorResponse_Feature.PROTO3_OPTIONAL),
      file: files,
    });
  },
};

/** Refuses what the generated code would get wrong, rather than emitting it. */
function checkSupported(m: DescMessage): void {
  for (const f of m.fields) {
    const where = `${m.typeName}.${f.name}`;
    if (f.presence === FeatureSet_FieldPresence.EXPLICIT && f.fieldKind !== "message" && !f.oneof) {
      throw new Error(
        `${name}: ${where}: explicit presence (proto2 optional / proto3 optional) is not supported`,
      );
    }
    if (
      (f.fieldKind === "message" || (f.fieldKind === "list" && f.listKind === "message")) &&
      f.delimitedEncoding
    )
      throw new Error(`${name}: ${where}: groups are not supported`);
  }
  for (const nested of m.nestedMessages) checkSupported(nested);
}
