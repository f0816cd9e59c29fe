import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { ErrorCode, HermesError } from "../../errors/hermes-error.js";
import { Channel } from "../../gen/hermes/v1/message_pb.js";
import {
  type AddSuppressionRequest,
  type ListSuppressionChangesRequest,
  type ListSuppressionsRequest,
  type RemoveSuppressionRequest,
  type Suppression,
  SuppressionAction,
  SuppressionChangeSchema,
  SuppressionReason,
  SuppressionSchema,
  type SuppressionService,
} from "../../gen/hermes/v1/suppression_service_pb.js";
import type { SuppressionChange, SuppressionEntry } from "../../store/suppression-store.js";
import { addressOfEntry, type SuppressionList } from "../../suppression/suppression-list.js";
import { principalKey } from "../auth.js";
import { requirePrincipal, toConnectError } from "./errors.js";

export interface SuppressionServiceDeps {
  readonly suppressions: SuppressionList;
}

const defaultPage = 100;
const maxPage = 1000;

/** hermes.v1.SuppressionService: a key manages its own tenant's list; every change names the key. */
export function suppressionService(
  deps: SuppressionServiceDeps,
): ServiceImpl<typeof SuppressionService> {
  const { suppressions } = deps;
  return {
    async listSuppressions(req: ListSuppressionsRequest, ctx: HandlerContext) {
      const { tenant } = requirePrincipal(ctx.values.get(principalKey));
      return answer(() => {
        const page = suppressions.list(tenant, {
          address: req.address,
          after: req.pageToken || undefined,
          limit: pageSize(req.pageSize),
        });
        return {
          suppressions: page.entries.map(toSuppression),
          nextPageToken: page.next ?? "",
        };
      });
    },

    async addSuppression(req: AddSuppressionRequest, ctx: HandlerContext) {
      const { tenant, keyName } = requirePrincipal(ctx.values.get(principalKey));
      return answer(async () => {
        if (Channel[req.channel] === undefined) throw invalid("channel", "is not a channel");
        if (SuppressionReason[req.reason] === undefined) throw invalid("reason", "is not a reason");
        const entry = await suppressions.add(tenant, req.address, {
          channel: req.channel,
          reason: req.reason || SuppressionReason.MANUAL,
          note: req.note,
          actor: `api:${keyName}`,
        });
        return { suppression: toSuppression(entry) };
      });
    },

    async removeSuppression(req: RemoveSuppressionRequest, ctx: HandlerContext) {
      const { tenant, keyName } = requirePrincipal(ctx.values.get(principalKey));
      return answer(async () => {
        const removed = await suppressions.remove(tenant, req.address, {
          channel: req.channel === Channel.UNSPECIFIED ? undefined : req.channel,
          actor: `api:${keyName}`,
          note: req.note,
        });
        return { removed: removed.map(toSuppression) };
      });
    },

    async listSuppressionChanges(req: ListSuppressionChangesRequest, ctx: HandlerContext) {
      const { tenant } = requirePrincipal(ctx.values.get(principalKey));
      return answer(async () => {
        const changes = await suppressions.changes(
          tenant,
          Number(req.afterSequence),
          pageSize(req.pageSize),
        );
        return { changes: changes.map(toChange) };
      });
    },
  };
}

/** Runs a handler's body; what it throws reaches the caller as the contract's error. */
async function answer<T>(run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (reason) {
    throw toConnectError(reason);
  }
}

function pageSize(requested: number): number {
  if (requested > maxPage) throw invalid("page_size", `must be at most ${maxPage}`);
  return requested || defaultPage;
}

function invalid(field: string, reason: string): HermesError {
  return new HermesError(ErrorCode.INVALID_ARGUMENT, `${field} ${reason}`, { field });
}

function toSuppression(entry: SuppressionEntry): Suppression {
  return create(SuppressionSchema, {
    address: addressOfEntry(entry),
    channel: entry.channel,
    reason: entry.reason,
    note: entry.note,
    source: entry.source,
    createdAt: timestampFromMs(entry.createdAt),
  });
}

function toChange(change: SuppressionChange) {
  return create(SuppressionChangeSchema, {
    sequence: BigInt(change.sequence),
    action: change.action === "added" ? SuppressionAction.ADDED : SuppressionAction.REMOVED,
    suppression: toSuppression(change.entry),
    actor: change.actor,
    time: timestampFromMs(change.time),
    note: change.note,
  });
}
