// Does not compile (a string assigned to an i32): buildPlugin must report asc's diagnostics.
export function describe(): i32 {
  const n: i32 = "not a number";
  return n;
}
