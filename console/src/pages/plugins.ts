// Plugins: every stored version with its signatures and the active one;
// with an admin key, activate a version or roll back (each confirmed
// first), and trust a publisher key.
import type { PluginVersion, TrustedKey } from "@hermes/runtime/contracts";
import { describe } from "../api.js";
import { h, show } from "../dom.js";
import { bytes, time } from "../format.js";
import type { PageEntry, Session } from "../page.js";
import { badge, confirmAction, problem, row, table } from "../widgets.js";

export const pluginsPage: PageEntry = {
  title: "Plugins",
  needs: "read",
  open(session) {
    const notice = h("p", { class: "notice", role: "status" });
    const content = h("div", null, h("p", null, "Loading…"));
    const refresh = async () => {
      try {
        const [{ plugins }, { keys }] = await Promise.all([
          session.api.plugins.listPlugins({}),
          session.api.plugins.listTrustedKeys({}),
        ]);
        show(content, ...render(session, plugins, keys, act));
      } catch (error) {
        show(content, problem(describe(error)));
      }
    };
    /** Runs a change once confirmed, says how it went, and reads the lists again. */
    const act = async (
      question: string,
      detail: string,
      label: string,
      change: () => Promise<string>,
    ) => {
      if (!(await confirmAction(question, detail, label))) return;
      try {
        notice.textContent = await change();
        notice.className = "notice";
      } catch (error) {
        notice.textContent = describe(error);
        notice.className = "notice problem";
      }
      await refresh();
    };
    void refresh();
    return {
      element: h(
        "div",
        { class: "plugins" },
        session.isAdmin
          ? null
          : h(
              "p",
              { class: "hint" },
              "Activating, rolling back and trusting keys need an admin key.",
            ),
        notice,
        content,
      ),
      stop() {},
    };
  },
};

type Act = (
  question: string,
  detail: string,
  label: string,
  change: () => Promise<string>,
) => Promise<void>;

function render(
  session: Session,
  versions: readonly PluginVersion[],
  keys: readonly TrustedKey[],
  act: Act,
) {
  const byName = new Map<string, PluginVersion[]>();
  for (const version of versions)
    byName.set(version.name, [...(byName.get(version.name) ?? []), version]);
  const api = session.api.plugins;
  const sections = [...byName].map(([name, list]) => {
    const active = list.find((v) => v.active);
    const rows = list.map((version) =>
      row(
        [
          version.version,
          version.active ? badge("ACTIVE") : "",
          h("code", { title: version.sha256 }, version.sha256.slice(0, 16)),
          version.signedBy.join(", ") || "unsigned",
          version.channels.join(", "),
          time(version.publishedAt),
          bytes(version.sizeBytes),
          session.isAdmin &&
            !version.active &&
            h(
              "button",
              {
                "data-activate": version.version,
                onclick: () =>
                  act(
                    `Activate ${name} ${version.version}?`,
                    `New sends on routes of ${name} go to ${version.version} at once${active ? `; ${active.version} finishes what it has in flight` : ""}.`,
                    "Activate",
                    async () => {
                      const done = await api.activatePlugin({ name, version: version.version });
                      return `${name} ${version.version} is active${done.previousVersion ? ` (was ${done.previousVersion})` : ""}.`;
                    },
                  ),
              },
              "Activate",
            ),
        ],
        {
          "data-plugin": name,
          "data-version": version.version,
          "data-active": String(version.active),
        },
      ),
    );
    return h(
      "section",
      { "data-plugin": name },
      h(
        "h2",
        null,
        name,
        session.isAdmin &&
          h(
            "button",
            {
              class: "secondary",
              "data-rollback": name,
              onclick: () =>
                act(
                  `Roll ${name} back?`,
                  `The version active before ${active?.version ?? "this one"} serves new sends again.`,
                  "Roll back",
                  async () =>
                    `${name} ${(await api.rollbackPlugin({ name })).plugin?.version} is active again.`,
                ),
            },
            "Roll back",
          ),
      ),
      table(["version", "", "sha256", "signed by", "channels", "published", "size", ""], rows),
    );
  });
  return [
    ...(sections.length > 0 ? sections : [h("p", null, "No plugin has been published.")]),
    h("h2", null, "Trusted publisher keys"),
    table(
      ["id", "comment", "added"],
      keys.map((key) => row([h("code", null, key.id), key.comment, time(key.addedAt)])),
    ),
    session.isAdmin && trustForm(session, act),
  ];
}

/** Adds a publisher key: its 32 raw bytes as hex or base64. */
function trustForm(session: Session, act: Act): HTMLElement {
  const key = h("input", {
    name: "publicKey",
    required: true,
    placeholder: "Ed25519 public key (hex or base64)",
  });
  const comment = h("input", { name: "comment", placeholder: "comment" });
  const submit = (event: Event) => {
    event.preventDefault();
    const raw = decodeKey(key.value.trim());
    void act(
      "Trust this key?",
      "Plugins signed by it can be published and activated.",
      "Trust",
      async () => {
        if (!raw) throw new Error("a key is 32 bytes, as 64 hex digits or base64");
        const added = await session.api.plugins.trustKey({
          publicKey: raw,
          comment: comment.value,
        });
        return `Key ${added.key?.id} is trusted.`;
      },
    );
  };
  return h(
    "form",
    { class: "trust", onsubmit: submit },
    key,
    comment,
    h("button", { type: "submit" }, "Trust key"),
  );
}

function decodeKey(text: string): Uint8Array | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(text))
    return Uint8Array.from(text.match(/../g)!, (pair) => Number.parseInt(pair, 16));
  try {
    const binary = atob(text);
    return binary.length === 32 ? Uint8Array.from(binary, (c) => c.charCodeAt(0)) : undefined;
  } catch {
    return undefined;
  }
}
