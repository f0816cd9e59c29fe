import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  type PluginService,
  PluginVersionSchema,
  TrustedKeySchema,
  type PluginVersion,
  type TrustedKey,
} from "../../gen/hermes/v1/plugin_service_pb.js";
import { Channel } from "../../gen/hermes/v1/message_pb.js";
import { ErrorCode, HermesError } from "../../errors/hermes-error.js";
import type {
  PluginCatalog,
  PluginVersionInfo,
  TrustedKeyInfo,
} from "../../plugin-registry/index.js";
import { toConnectError } from "./errors.js";

export interface PluginServiceDeps {
  readonly registry: PluginCatalog;
}

/**
 * hermes.v1.PluginService over the plugin registry. Scopes are checked by the
 * auth interceptor: admin for changes, read for the two lists.
 */
export function pluginService(deps: PluginServiceDeps): ServiceImpl<typeof PluginService> {
  const { registry } = deps;
  return {
    publishPlugin: rpc(async (req) => {
      const { plugin } = await registry.publish(req.artifact, { activate: req.activate });
      return { plugin: toPluginVersion(plugin) };
    }),

    listPlugins: rpc(async (req) => ({ plugins: registry.list(req.name).map(toPluginVersion) })),

    activatePlugin: rpc(async (req) => {
      required(req.name, "name");
      required(req.version, "version");
      const { plugin, previousVersion } = await registry.activate(req.name, req.version);
      return { plugin: toPluginVersion(plugin), previousVersion: previousVersion ?? "" };
    }),

    rollbackPlugin: rpc(async (req) => {
      required(req.name, "name");
      const { plugin } = await registry.rollback(req.name);
      return { plugin: toPluginVersion(plugin) };
    }),

    trustKey: rpc(async (req) => {
      if (req.publicKey.length === 0)
        throw new HermesError(ErrorCode.INVALID_ARGUMENT, "public_key is required", {
          field: "public_key",
        });
      return { key: toTrustedKey(await registry.trustKey(req.publicKey, req.comment)) };
    }),

    listTrustedKeys: rpc(async () => ({ keys: registry.trustedKeys().map(toTrustedKey) })),
  };
}

/** Every failure leaves as a ConnectError carrying the contract's Error detail. */
function rpc<Req, Res>(handler: (req: Req) => Promise<Res>): (req: Req) => Promise<Res> {
  return async (req) => {
    try {
      return await handler(req);
    } catch (reason) {
      throw toConnectError(reason);
    }
  };
}

function required(value: string, field: string): void {
  if (!value) throw new HermesError(ErrorCode.INVALID_ARGUMENT, `${field} is required`, { field });
}

function toPluginVersion(plugin: PluginVersionInfo): PluginVersion {
  return create(PluginVersionSchema, {
    name: plugin.name,
    version: plugin.version,
    sha256: plugin.sha256,
    signedBy: [...plugin.signedBy],
    active: plugin.active,
    publishedAt: timestampFromDate(plugin.publishedAt),
    sizeBytes: BigInt(plugin.sizeBytes),
    channels: plugin.manifest.channels.map((c) => (Channel[c] ?? String(c)).toLowerCase()),
  });
}

function toTrustedKey(key: TrustedKeyInfo): TrustedKey {
  return create(TrustedKeySchema, {
    id: key.id,
    publicKey: key.publicKey.raw,
    comment: key.comment,
    addedAt: timestampFromDate(key.addedAt),
  });
}
