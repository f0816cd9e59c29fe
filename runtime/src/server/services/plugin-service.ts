import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { PluginService } from "../../gen/hermes/v1/plugin_service_pb.js";

const notYet = (method: string) => async () => {
  throw new ConnectError(`PluginService.${method} is not implemented in this gateway build`, Code.Unimplemented);
};

/** hermes.v1.PluginService, until the WASM plugin registry is wired in. */
export function pluginService(): ServiceImpl<typeof PluginService> {
  return {
    publishPlugin: notYet("PublishPlugin"),
    listPlugins: notYet("ListPlugins"),
    activatePlugin: notYet("ActivatePlugin"),
    rollbackPlugin: notYet("RollbackPlugin"),
    trustKey: notYet("TrustKey"),
    listTrustedKeys: notYet("ListTrustedKeys"),
  };
}
