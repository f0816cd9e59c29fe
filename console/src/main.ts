// The operator console: sign in with an API key, then the pages that key's
// scopes allow. Nothing but the sign-in form is shown until the gateway has
// accepted the key.
import { connect, describe } from "./api.js";
import { h, show } from "./dom.js";
import type { Page, PageEntry, Session } from "./page.js";
import { eventsPage } from "./pages/events.js";
import { messagesPage } from "./pages/messages.js";
import { overviewPage } from "./pages/overview.js";
import { pluginsPage } from "./pages/plugins.js";
import { forgetKey, keepKey, storedKey } from "./session.js";

const pages: Readonly<Record<string, PageEntry>> = {
  overview: overviewPage,
  messages: messagesPage,
  events: eventsPage,
  plugins: pluginsPage,
};

const app = document.getElementById("app")!;

/** Checks a key with the gateway; the session it opens, or why not. */
async function signIn(key: string): Promise<Session> {
  const api = connect(key);
  const who = await api.auth.whoAmI({});
  const isAdmin = who.scopes.includes("admin");
  return {
    api,
    tenant: who.tenant,
    keyName: who.keyName,
    isAdmin,
    canRead: isAdmin || who.scopes.includes("read"),
  };
}

function signInForm(reason?: string): void {
  const input = h("input", {
    type: "password",
    name: "apiKey",
    autocomplete: "off",
    required: true,
    placeholder: "API key",
    "aria-label": "API key",
  });
  const submit = async (event: Event) => {
    event.preventDefault();
    const key = input.value.trim();
    try {
      const session = await signIn(key);
      keepKey(key);
      open(session);
    } catch (error) {
      signInForm(`The gateway refused this key (${describe(error)}).`);
    }
  };
  show(
    app,
    h(
      "form",
      { class: "sign-in", onsubmit: submit },
      h("h1", null, "Hermes"),
      h("p", null, "Sign in with an API key. It is kept in this tab only."),
      input,
      h("button", { type: "submit" }, "Sign in"),
      reason && h("p", { class: "problem", role: "alert" }, reason),
    ),
  );
  input.focus();
}

function open(session: Session): void {
  const allowed = Object.entries(pages).filter(([, page]) =>
    page.needs === "admin" ? session.isAdmin : session.canRead,
  );
  const nav = h(
    "nav",
    null,
    ...allowed.map(([name, page]) => h("a", { href: `#/${name}`, "data-page": name }, page.title)),
  );
  const content = h("section", { class: "content" });
  const signOut = () => {
    forgetKey();
    window.removeEventListener("hashchange", route);
    current?.stop();
    location.hash = "";
    signInForm();
  };
  show(
    app,
    h(
      "header",
      null,
      h("strong", null, "Hermes"),
      nav,
      h("span", { class: "who" }, `${session.keyName} · tenant ${session.tenant}`),
      h("button", { class: "link", onclick: signOut }, "Sign out"),
    ),
    content,
  );
  let current: Page | undefined;
  function route(): void {
    const [name = "", query = ""] = location.hash.replace(/^#\/?/, "").split("?");
    const entry = allowed.find(([page]) => page === name);
    current?.stop();
    current = undefined;
    if (!entry) {
      if (allowed.length > 0) location.replace(`#/${allowed[0]![0]}`);
      else
        show(content, h("p", null, "This key may only send messages: there is nothing to show."));
      return;
    }
    for (const link of nav.querySelectorAll("a"))
      link.classList.toggle("active", link.dataset.page === name);
    current = entry[1].open(session, new URLSearchParams(query));
    show(content, current.element);
  }
  window.addEventListener("hashchange", route);
  route();
}

async function start(): Promise<void> {
  const key = storedKey();
  if (!key) return signInForm();
  try {
    open(await signIn(key));
  } catch (error) {
    forgetKey();
    signInForm(`Signed out: ${describe(error)}`);
  }
}

void start();
