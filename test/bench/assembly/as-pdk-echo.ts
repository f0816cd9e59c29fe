// The same echo with Extism's AssemblyScript PDK (@extism/as-pdk), the reference.
import { Host } from "@extism/as-pdk";

export function echo(): i32 {
  Host.output(Host.input());
  return 0;
}

// as-pdk plugins supply their own abort handler.
export function pdkAbort(
  message: string | null,
  fileName: string | null,
  line: u32,
  column: u32,
): void {
  unreachable();
}
