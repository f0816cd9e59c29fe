import { createHash } from "node:crypto";
import { Code, ConnectError, createContextKey, type Interceptor } from "@connectrpc/connect";
import type { ApiKeyConfig, Scope } from "../config/gateway-config.js";

/** Who is calling: the tenant and scopes of the API key presented. */
export interface Principal {
  readonly tenant: string;
  readonly scopes: readonly Scope[];
  readonly keyName: string;
}

/** Handlers read the caller from here; the auth interceptor sets it. */
export const principalKey = createContextKey<Principal | undefined>(undefined, {
  description: "hermes principal",
});

/** The scope each RPC needs ("any": every valid key); anything not listed needs admin. */
const requiredScopes: Readonly<Record<string, Scope | "any">> = {
  "hermes.v1.MessageService/Send": "send",
  "hermes.v1.MessageService/SendBatch": "send",
  "hermes.v1.MessageService/GetMessage": "read",
  "hermes.v1.MessageService/WatchEvents": "read",
  "hermes.v1.MessageService/FindMessages": "read",
  "hermes.v1.MessageService/CancelMessage": "send",
  "hermes.v1.PluginService/ListPlugins": "read",
  "hermes.v1.PluginService/ListTrustedKeys": "read",
  "hermes.v1.AuthService/WhoAmI": "any",
};

/** Whether a key's scopes allow what `scope` needs: an admin may also read (an operator sees everything). */
export function allows(granted: readonly Scope[], scope: Scope | "any"): boolean {
  return (
    scope === "any" || granted.includes(scope) || (scope === "read" && granted.includes("admin"))
  );
}

const rememberedHeaders = 1024;

/**
 * API keys are kept only as SHA-256 digests, so a key is looked up by its
 * hash: no plaintext comparison, no timing leak on the key's bytes.
 */
export class ApiKeyring {
  readonly #byDigest = new Map<string, Principal>();
  /**
   * Authorization headers already matched to a key, so a busy client's key
   * is hashed once rather than on every request. Only valid keys enter, and
   * at most `rememberedHeaders` of them.
   */
  readonly #byHeader = new Map<string, Principal>();

  constructor(keys: readonly ApiKeyConfig[]) {
    keys.forEach((key, i) => {
      const digest = key.sha256 ?? sha256Hex(key.key!);
      this.#byDigest.set(digest, {
        tenant: key.tenant,
        scopes: key.scopes,
        keyName: key.name ?? `key-${i}`,
      });
    });
  }

  /** The principal of an Authorization header, or why there is none. */
  authenticate(authorization: string | null): Principal {
    const known = authorization ? this.#byHeader.get(authorization) : undefined;
    if (known) return known;
    if (!authorization)
      throw new ConnectError(
        'missing API key: send "Authorization: Bearer <key>"',
        Code.Unauthenticated,
      );
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match)
      throw new ConnectError(
        'malformed Authorization header: expected "Bearer <key>"',
        Code.Unauthenticated,
      );
    const principal = this.#byDigest.get(sha256Hex(match[1]));
    if (!principal) throw new ConnectError("unknown API key", Code.Unauthenticated);
    if (this.#byHeader.size >= rememberedHeaders) this.#byHeader.clear();
    this.#byHeader.set(authorization, principal);
    return principal;
  }
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Authenticates every RPC and checks the key's scope for the method. */
export function authInterceptor(keyring: ApiKeyring): Interceptor {
  return (next) => async (req) => {
    const principal = keyring.authenticate(req.header.get("authorization"));
    const procedure = `${req.service.typeName}/${req.method.name}`;
    const scope = requiredScopes[procedure] ?? "admin";
    if (!allows(principal.scopes, scope)) {
      throw new ConnectError(
        `API key "${principal.keyName}" lacks the "${scope}" scope needed for ${procedure}`,
        Code.PermissionDenied,
      );
    }
    req.contextValues.set(principalKey, principal);
    return next(req);
  };
}
