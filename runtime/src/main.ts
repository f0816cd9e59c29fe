// `npm start`: the gateway on embedded defaults, or on the config file named
// by HERMES_CONFIG (or ./hermes.config.json when present).
import { defaultConfigPath, loadConfig } from "./config/gateway-config.js";
import { Channel } from "./gen/hermes/v1/message_pb.js";
import { devApiKey, startDevEnvironment } from "./dev/index.js";

const configPath = defaultConfigPath();
const env = await startDevEnvironment(loadConfig(configPath));
const { gateway } = env;
const key = env.usingDevKey ? devApiKey : "<your API key>";
// An SMS reaches the local SMSC simulator and comes back DELIVERED with no
// network; a webhook example needs an endpoint the reader has.
const example = gateway.router.routes.some((r) => r.config.channel === Channel.SMS)
  ? '{"message":{"channel":"CHANNEL_SMS","to":{"phone":"+447700900123"},"from":{"phone":"Hermes"},"content":{"text":"hello"}}}'
  : '{"message":{"channel":"CHANNEL_WEBHOOK","to":{"url":"https://example.com/hook"},"content":{"text":"hello"}}}';

process.stdout.write(`
Hermes gateway ${configPath ? `(config ${configPath})` : "(embedded defaults)"} listening on ${gateway.url}
${env.usingDevKey ? `  dev API key: ${devApiKey} (tenant "dev"; add apiKeys to a config file for real use)\n` : ""}${gateway.smppServer ? `  SMPP server on port ${gateway.smppServer.port}${gateway.smppServer.tlsPort ? ` (TLS ${gateway.smppServer.tlsPort})` : ""}: ESMEs bind with the accounts in smppServer\n` : ""}${env.services.map((s) => `  ${s.name}: ${s.description}\n`).join("")}
Send a message (Connect over HTTP/1.1 JSON):
  curl -s ${gateway.url}/hermes.v1.MessageService/Send \\
    -H 'Authorization: Bearer ${key}' -H 'Content-Type: application/json' \\
    -d '${example}'
Follow it:  curl -s ${gateway.url}/hermes.v1.MessageService/GetMessage -H 'Authorization: Bearer ${key}' -H 'Content-Type: application/json' -d '{"id":"<id>"}'
Metrics:    curl -s ${gateway.url}/metrics
${gateway.consoleUrl ? `Console:    ${gateway.consoleUrl} (sign in with an API key)\n` : ""}`);

let closing = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    gateway.log.info({ signal }, "shutting down");
    void env.close().then(() => process.exit(0));
  });
}
