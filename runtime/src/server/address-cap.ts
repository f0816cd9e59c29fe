import type net from "node:net";

/**
 * Counts open connections per client address. `admit` resets a connection
 * whose address already holds `max`, so one client cannot take every socket
 * the process may open; behind a proxy the proxy is that one client.
 */
export function addressCap(max: number): { admit(socket: net.Socket): boolean } {
  const open = new Map<string, number>();
  return {
    admit(socket) {
      const address = socket.remoteAddress ?? "";
      const count = open.get(address) ?? 0;
      if (count >= max) {
        socket.resetAndDestroy();
        return false;
      }
      open.set(address, count + 1);
      socket.once("close", () => {
        const left = open.get(address)! - 1;
        if (left === 0) open.delete(address);
        else open.set(address, left);
      });
      return true;
    },
  };
}
