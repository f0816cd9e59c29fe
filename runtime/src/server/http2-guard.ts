import http2 from "node:http2";
import type { ServerTimeouts } from "../config/gateway-config.js";

/**
 * Bounds what an HTTP/2 client can hold open: a stream must deliver its
 * whole request within `requestMs` (else RST_STREAM CANCEL), a session
 * without streams for `idleMs` is closed (GOAWAY, then the socket), and each
 * session is PINGed every `http2PingMs` and closed when a PING stays
 * unanswered that long.
 *
 * The PING also catches what Node 20 misses: on a connection error (a bad
 * frame size, broken HPACK, DATA on an idle stream) its nghttp2 sends GOAWAY
 * and serves the session no more, but Node neither closes the socket nor
 * tells JavaScript. Such a session sends no PING out, so none is answered and
 * it is closed within two PING intervals.
 */
export function guardHttp2(
  server: http2.Http2Server,
  timeouts: Pick<ServerTimeouts, "requestMs" | "idleMs" | "http2PingMs">,
): void {
  server.on("session", (session) => watchSession(session, timeouts));
  server.on("stream", (stream) => {
    const timer = setTimeout(
      () => stream.close(http2.constants.NGHTTP2_CANCEL),
      timeouts.requestMs,
    );
    // 'end' is the request fully received; a response never counts.
    const done = () => clearTimeout(timer);
    stream.once("end", done);
    stream.once("close", done);
  });
}

function watchSession(
  session: http2.ServerHttp2Session,
  { idleMs, http2PingMs }: Pick<ServerTimeouts, "idleMs" | "http2PingMs">,
): void {
  // destroy(), not close(): close() ends the socket gracefully and waits for
  // a FIN the peer may never send; destroy() still flushes the GOAWAY first.
  const closeIdle = () => session.destroy();
  let open = 0;
  let idle: NodeJS.Timeout | undefined = setTimeout(closeIdle, idleMs);
  session.on("stream", (stream) => {
    open++;
    clearTimeout(idle);
    stream.once("close", () => {
      if (--open === 0 && !session.destroyed) idle = setTimeout(closeIdle, idleMs);
    });
  });

  let unanswered = false;
  const pinger = setInterval(() => {
    if (session.destroyed) return;
    if (unanswered) {
      session.destroy();
      return;
    }
    unanswered = true;
    session.ping((error) => {
      if (!error) unanswered = false;
    });
  }, http2PingMs);

  session.once("close", () => {
    clearTimeout(idle);
    clearInterval(pinger);
  });
}
