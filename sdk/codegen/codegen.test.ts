// The generator against committed output (sdk/test/assembly/gen, the
// "golden" files the vectors test compiles), and its refusals.
// HERMES_UPDATE_GOLDEN=1 rewrites the golden files.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import {
  CodeGeneratorRequestSchema,
  FileDescriptorProtoSchema,
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
} from "@bufbuild/protobuf/wkt";
import { testGenDir, testProtos } from "../test/support/test-protos.js";
import { plugin } from "./src/plugin.js";

test("the generator's output for the test contracts matches the committed files", () => {
  const response = plugin.run(testProtos().request);
  assert.deepEqual(response.file.map((f) => f.name).sort(), [
    "google/protobuf/duration_pb.ts",
    "google/protobuf/timestamp_pb.ts",
    "hermes/sdktest/v1/vectors_pb.ts",
  ]);
  for (const file of response.file) {
    const path = join(testGenDir, file.name);
    if (process.env.HERMES_UPDATE_GOLDEN === "1") {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.content);
    }
    assert.equal(
      file.content,
      readFileSync(path, "utf8"),
      `${file.name} differs; HERMES_UPDATE_GOLDEN=1 rewrites it`,
    );
  }
});

test("the generator refuses unknown options and fields it would get wrong", () => {
  const proto3Optional = create(FileDescriptorProtoSchema, {
    name: "t.proto",
    package: "t",
    syntax: "proto3",
    messageType: [
      {
        name: "M",
        field: [
          {
            name: "x",
            number: 1,
            type: FieldDescriptorProto_Type.INT32,
            label: FieldDescriptorProto_Label.OPTIONAL,
            proto3Optional: true,
            oneofIndex: 0,
          },
        ],
        oneofDecl: [{ name: "_x" }],
      },
    ],
  });
  const request = (parameter: string) =>
    create(CodeGeneratorRequestSchema, {
      fileToGenerate: ["t.proto"],
      parameter,
      protoFile: [proto3Optional],
    });
  assert.throws(() => plugin.run(request("colour=blue")), /unknown option "colour=blue"/);
  assert.throws(() => plugin.run(request("")), /t\.M\.x: explicit presence .* is not supported/);
});
