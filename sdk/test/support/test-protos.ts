// The SDK's test contracts (sdk/test/proto), compiled by buf into a
// descriptor set: the code generator's golden test and the encode/decode
// vectors both start from it.
import { create, createFileRegistry, fromBinary, type FileRegistry } from "@bufbuild/protobuf";
import {
  CodeGeneratorRequestSchema,
  FileDescriptorSetSchema,
  type CodeGeneratorRequest,
} from "@bufbuild/protobuf/wkt";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const vectorsProto = "hermes/sdktest/v1/vectors.proto";
/** Where the generated AssemblyScript for the test contracts is committed. */
export const testGenDir = fileURLToPath(new URL("../assembly/gen/", import.meta.url));

let cached: { request: CodeGeneratorRequest; registry: FileRegistry } | undefined;

/**
 * The generator request for the test contracts (and the well-known types they import), and a
 * registry of them.
 */
export function testProtos(): { request: CodeGeneratorRequest; registry: FileRegistry } {
  if (cached) return cached;
  const image = execFileSync(
    `${repoRoot}node_modules/.bin/buf`,
    ["build", "sdk/test/proto", "-o", "-#format=binpb"],
    {
      cwd: repoRoot,
      maxBuffer: 1 << 26,
    },
  );
  // A buf image is wire-compatible with a FileDescriptorSet.
  const set = fromBinary(FileDescriptorSetSchema, image);
  const request = create(CodeGeneratorRequestSchema, {
    fileToGenerate: set.file.map((f) => f.name),
    parameter: "runtime=@hermes/sdk/assembly/proto",
    protoFile: set.file,
  });
  cached = { request, registry: createFileRegistry(set) };
  return cached;
}
