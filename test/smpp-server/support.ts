import smpp, { type PDU, type Session } from "smpp";
import { SmscSimulator, type SmscBehaviour } from "@hermes/runtime/simulators";
import { startTestGateway, type TestGateway } from "../support/gateway-harness.js";

export { until } from "../support/wait.js";

/** Accounts the tests bind as (plaintext passwords: the development form). */
export const accounts = {
  acme: { systemId: "acme", password: "acmepw", tenant: "acme" },
  globex: { systemId: "globex", password: "globexpw", tenant: "globex" },
};

export interface ServerHarness {
  readonly gw: TestGateway;
  readonly smsc: SmscSimulator;
  /** The SMPP server's plain port. */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A gateway with an SMPP server and one `smpp` route (tenants acme and
 * globex) into the SMSC simulator, which sends a receipt shortly after each
 * submit. `smppServer` merges over a config with the two accounts.
 */
export async function startServerGateway(
  smppServer: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
  behaviour: Partial<SmscBehaviour> = {},
): Promise<ServerHarness> {
  const smsc = await SmscSimulator.start({
    behaviour: { systemId: "hermes", password: "pw", ...behaviour },
  });
  const gw = await startTestGateway({
    routes: [
      {
        name: "carrier",
        channel: "sms",
        adapter: "smpp",
        tenants: ["acme", "globex"],
        retry: { maxAttempts: 3, initialBackoffMs: 20, maxBackoffMs: 50 },
        config: {
          host: "127.0.0.1",
          port: smsc.port,
          systemId: "hermes",
          password: "pw",
          window: 50,
          reconnectInitialMs: 20,
        },
      },
    ],
    ...extra,
    smppServer: {
      host: "127.0.0.1",
      port: 0,
      failedBindDelayMs: 50,
      maxFailedBindDelayMs: 400,
      receiptRetryMs: 100,
      accounts: [
        { ...accounts.acme, window: 20 },
        { ...accounts.globex, window: 20 },
      ],
      mo: [{ account: "acme", numbers: ["+447700900100"] }],
      ...smppServer,
    },
  });
  return {
    gw,
    smsc,
    port: gw.gateway.smppServer!.port,
    async close() {
      await gw.close();
      await smsc.close();
    },
  };
}

/** An ESME on npm `smpp`, the client most Node platforms use, with what the server sent it. */
export interface Esme {
  readonly session: Session;
  /** deliver_sm received, in order. */
  readonly delivered: PDU[];
  /** Answer deliver_sm with this status (0 = ESME_ROK), or leave them unanswered (undefined). */
  answerWith: number | undefined;
  send(command: string, fields?: Record<string, unknown>): Promise<PDU>;
  /** The session closed (by the server or by us). */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

/** `options`: net.connect's or tls.connect's (localAddress, tls: true with ca...). */
export async function connectEsme(
  port: number,
  options: Record<string, unknown> = {},
): Promise<Esme> {
  const session = smpp.connect({
    host: "127.0.0.1",
    port,
    auto_enquire_link_period: 0,
    ...options,
  });
  session.on("error", () => undefined);
  await new Promise<void>((resolve, reject) => {
    session.socket.once("connect", () => resolve());
    session.socket.once("error", reject);
  });
  const closed = new Promise<void>((resolve) => session.once("close", () => resolve()));
  const esme: Esme = {
    session,
    delivered: [],
    answerWith: 0,
    send: (command, fields = {}) =>
      new Promise((resolve) => session.send(new smpp.PDU(command, fields), resolve)),
    closed,
    async close() {
      session.destroy();
      await closed;
    },
  };
  session.on("deliver_sm", (pdu: PDU) => {
    esme.delivered.push(pdu);
    if (esme.answerWith !== undefined)
      session.send(pdu.response(esme.answerWith === 0 ? {} : { command_status: esme.answerWith }));
  });
  return esme;
}

/** Connects and binds; fails the test when the bind is refused. */
export async function bindEsme(
  port: number,
  mode: "transceiver" | "transmitter" | "receiver" = "transceiver",
  account: { systemId: string; password: string } = accounts.acme,
  options: Record<string, unknown> = {},
): Promise<Esme> {
  const esme = await connectEsme(port, options);
  const resp = await esme.send(`bind_${mode}`, {
    system_id: account.systemId,
    password: account.password,
  });
  if (resp.command_status !== 0)
    throw new Error(`bind_${mode} refused with 0x${resp.command_status.toString(16)}`);
  return esme;
}

/** A submit_sm as a typical ESME writes one: international destination, GSM text, a final receipt asked for. */
export function submitFields(
  to: string,
  text: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    source_addr_ton: 5,
    source_addr_npi: 0,
    source_addr: "Acme",
    dest_addr_ton: 1,
    dest_addr_npi: 1,
    destination_addr: to,
    registered_delivery: 1,
    data_coding: 0,
    short_message: text,
    ...extra,
  };
}

/** The receipt text's fields, e.g. `stat`, `id`. */
export function receiptField(pdu: PDU, name: string): string | undefined {
  const sm = pdu.short_message as { message?: string } | Buffer | string;
  const text =
    typeof sm === "string" ? sm : Buffer.isBuffer(sm) ? sm.toString("latin1") : (sm.message ?? "");
  return new RegExp(`${name}:(\\S*)`).exec(text)?.[1];
}
