import {
  type Client,
  Code,
  ConnectError,
  createClient,
  type Interceptor,
} from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import {
  AdminService,
  AuthService,
  MessageService,
  PluginService,
} from "@hermes/runtime/contracts";

/** The gateway's API as the console calls it: the same services every client uses. */
export interface Api {
  readonly auth: Client<typeof AuthService>;
  readonly admin: Client<typeof AdminService>;
  readonly messages: Client<typeof MessageService>;
  readonly plugins: Client<typeof PluginService>;
}

/**
 * Clients of the API on the console's own origin (the console's port serves
 * the API's RPCs too), authenticated with `key`.
 */
export function connect(key: string): Api {
  const authorization: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${key}`);
    return next(req);
  };
  const transport = createConnectTransport({
    baseUrl: location.origin,
    useBinaryFormat: true,
    interceptors: [authorization],
  });
  return {
    auth: createClient(AuthService, transport),
    admin: createClient(AdminService, transport),
    messages: createClient(MessageService, transport),
    plugins: createClient(PluginService, transport),
  };
}

/** What an error says to an operator: its message, without Connect's "[code]" prefix. */
export function describe(reason: unknown): string {
  const error = ConnectError.from(reason);
  return `${Code[error.code] ?? "Error"}: ${error.rawMessage}`;
}

export function isCanceled(reason: unknown): boolean {
  return ConnectError.from(reason).code === Code.Canceled;
}
