// Echo through the Hermes SDK's I/O: one host call reads the input, one writes the output.
import { endCall, inputBytes, outputBytes } from "@hermes/sdk/assembly/abi/io";

export function echo(): i32 {
  outputBytes(inputBytes());
  return endCall(0);
}
