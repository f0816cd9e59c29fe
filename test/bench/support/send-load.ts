// A load client in its own process, so its CPU is not the gateway's: sends
// `count` messages at `concurrency` and prints one JSON line with the time
// it took. Modes: "json" (Connect unary JSON over HTTP/1.1, as curl would),
// "grpc" (unary gRPC over h2c with connect-node's client), "batch" (SendBatch
// of 100 as Connect JSON over HTTP/1.1). Against a bare server, "json"
// posts the same bodies to the same path.
import http from "node:http";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Channel, MessageSchema, MessageService } from "@hermes/runtime/contracts";

const [url, mode, countText, concurrencyText, key] = process.argv.slice(2);
const count = Number(countText);
const concurrency = Number(concurrencyText);
const batchSize = 100;
const phone = (i: number) => `+4477009${String(i % 100000).padStart(5, "0")}`;
const text = (i: number) => `Your code is ${100000 + (i % 900000)}. It expires in 10 minutes.`;
const jsonMessage = (i: number) => ({
  channel: "CHANNEL_SMS",
  to: { phone: phone(i) },
  from: { phone: "Hermes" },
  content: { text: text(i) },
});

const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const target = new URL(url!);

function post(path: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        method: "POST",
        path,
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${key}`,
          "content-length": Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          res.statusCode === 200
            ? resolve()
            : reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString()}`)),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const grpc = createClient(MessageService, createGrpcTransport({ baseUrl: url! }));

const calls: Record<string, { per: number; call: (i: number) => Promise<void> }> = {
  json: {
    per: 1,
    call: (i) =>
      post("/hermes.v1.MessageService/Send", JSON.stringify({ message: jsonMessage(i) })),
  },
  batch: {
    per: batchSize,
    call: (i) =>
      post(
        "/hermes.v1.MessageService/SendBatch",
        JSON.stringify({
          messages: Array.from({ length: batchSize }, (_, j) => jsonMessage(i + j)),
        }),
      ),
  },
  grpc: {
    per: 1,
    call: async (i) => {
      await grpc.send(
        {
          message: create(MessageSchema, {
            channel: Channel.SMS,
            to: { kind: { case: "phone", value: phone(i) } },
            from: { kind: { case: "phone", value: "Hermes" } },
            content: { text: text(i) },
          }),
        },
        { headers: { authorization: `Bearer ${key}` } },
      );
    },
  },
};

const { per, call } = calls[mode!]!;
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    for (let i = next; i < count; i = next) {
      next += per;
      await call(i);
    }
  }),
);
const elapsedMs = performance.now() - started;
process.stdout.write(`${JSON.stringify({ sent: count, elapsedMs })}\n`);
agent.destroy();
process.exit(0);
