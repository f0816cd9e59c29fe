import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { AuthService } from "../../gen/hermes/v1/auth_service_pb.js";
import { principalKey } from "../auth.js";
import { requirePrincipal } from "./errors.js";

/** hermes.v1.AuthService: what the caller's key allows, so a client (the console) can show what it may use. */
export function authService(): ServiceImpl<typeof AuthService> {
  return {
    async whoAmI(_req, ctx: HandlerContext) {
      const principal = requirePrincipal(ctx.values.get(principalKey));
      return {
        tenant: principal.tenant,
        scopes: [...principal.scopes],
        keyName: principal.keyName,
      };
    },
  };
}
