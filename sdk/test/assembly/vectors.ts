// Test module for the encode/decode vectors (sdk/test/vectors.test.ts): it
// decodes messages the host encoded with protobuf-es and encodes them again,
// and builds a sample message from AssemblyScript code.
import { endCall, readInput, writeError, writeOutput } from "@hermes/sdk/assembly/abi/io";
import { Reader, Writer } from "@hermes/sdk/assembly/proto";
import * as plugin from "@hermes/sdk/assembly/gen/hermes/plugin/v1/plugin_pb";
import * as host from "@hermes/sdk/assembly/gen/hermes/plugin/v1/host_pb";
import * as hermes from "@hermes/sdk/assembly/gen/hermes/v1/message_pb";
import {
  Color,
  Maps,
  Nested,
  Nested_Inner,
  Nested_Kind,
  Repeated,
  Scalars,
} from "./gen/hermes/sdktest/v1/vectors_pb";
import { Duration } from "./gen/google/protobuf/duration_pb";
import { Timestamp } from "./gen/google/protobuf/timestamp_pb";

const output = new Writer();

function reencode<T>(message: T, input: Reader): i32 {
  message.mergeFrom(input);
  const error = input.error;
  if (error !== null) {
    writeError(error);
    return endCall(1);
  }
  output.reset();
  message.encodeTo(output);
  writeOutput(output);
  return endCall(0);
}

/**
 * Input: the message type's index in `messageTypes` (vectors.test.ts) as one
 * byte, then the message. Output: the message decoded and encoded again, or
 * the decoder's error (return 1).
 */
export function roundtrip(): i32 {
  const input = readInput();
  if (input.pos >= input.end) {
    writeError("empty input");
    return 1;
  }
  const type = load<u8>(input.pos);
  input.pos += 1;
  switch (type) {
    case 0:
      return reencode(new plugin.PrepareSendRequest(), input);
    case 1:
      return reencode(new plugin.PrepareSendResponse(), input);
    case 2:
      return reencode(new plugin.HandleResponseRequest(), input);
    case 3:
      return reencode(new plugin.HandleResponseResponse(), input);
    case 4:
      return reencode(new plugin.ParseWebhookRequest(), input);
    case 5:
      return reencode(new plugin.ParseWebhookResponse(), input);
    case 6:
      return reencode(new plugin.DescribeResponse(), input);
    case 7:
      return reencode(new plugin.ConfigureRequest(), input);
    case 8:
      return reencode(new plugin.ConfigureResponse(), input);
    case 9:
      return reencode(new plugin.HealthResponse(), input);
    case 10:
      return reencode(new hermes.DeliveryEvent(), input);
    case 11:
      return reencode(new host.LogRequest(), input);
    case 12:
      return reencode(new host.MetricRequest(), input);
    case 13:
      return reencode(new host.KvSetRequest(), input);
    case 14:
      return reencode(new host.ClockResponse(), input);
    case 15:
      return reencode(new host.HmacRequest(), input);
    case 16:
      return reencode(new Scalars(), input);
    case 17:
      return reencode(new Repeated(), input);
    case 18:
      return reencode(new Maps(), input);
    case 19:
      return reencode(new Nested(), input);
    default:
      writeError("unknown message type " + type.toString());
      return 1;
  }
}

/** A Nested message built field by field; vectors.test.ts builds the same with protobuf-es. */
export function sample(): i32 {
  const scalars = new Scalars();
  scalars.fDouble = -1.5;
  scalars.fFloat = 0.25;
  scalars.fInt64 = -9007199254740993;
  scalars.fUint64 = 18446744073709551615;
  scalars.fInt32 = -42;
  scalars.fFixed64 = 1234567890123;
  scalars.fFixed32 = 4294967295;
  scalars.fBool = true;
  scalars.fString = "héllo, 世界 😀";
  scalars.fBytes = Uint8Array.wrap(String.UTF8.encode("\u0000\u00ff", false));
  scalars.fUint32 = 300;
  scalars.fSfixed32 = -2;
  scalars.fSfixed64 = -3;
  scalars.fSint32 = -2147483648;
  scalars.fSint64 = -9223372036854775808;
  scalars.fEnum = Color.NEGATIVE;

  const repeated = new Repeated();
  repeated.int32s = [1, -1, 300];
  repeated.strings = ["a", "", "𝄞"];
  repeated.colors = [Color.RED, Color.NEGATIVE];
  repeated.unpackedInt32s = [7, -7];
  repeated.messages = [new Scalars(), scalars];

  const maps = new Maps();
  maps.stringString.set("k", "v");
  maps.stringString.set("emoji 🎉", "");
  maps.int32Int64.set(-1, 9);
  maps.stringMessage.set("m", scalars);
  maps.uint64Enum.set(1, Color.BLUE);

  const inner = new Nested_Inner();
  inner.name = "outer";
  const child = new Nested_Inner();
  child.name = "inner";
  inner.child = child;

  const at = new Timestamp();
  at.seconds = 1764158400;
  at.nanos = 5;
  const took = new Duration();
  took.seconds = -1;
  took.nanos = -500;

  const nested = new Nested();
  nested.inner = inner;
  nested.kind = Nested_Kind.LEAF;
  nested.setScalars(scalars);
  nested.at = at;
  nested.took = took;
  nested.repeated = repeated;
  nested.maps = maps;

  output.reset();
  nested.encodeTo(output);
  writeOutput(output);
  return 0;
}
