// Your account: further tokens for scripts, and Cytomine-style API keys (the private half is
// shown once, when it is made).

import { del, get, post, type User } from "../api";
import { h } from "../dom";
import type { ScreenContext } from "../main";
import { confirmAction, formatTime, heading, notify, showError } from "../ui";

interface Key {
  id: number;
  public_key: string;
  private_key?: string;
  created_at?: string;
}

export async function renderAccount(context: ScreenContext): Promise<void> {
  const [me, keys] = await Promise.all([get<User>("/users/me"), get<{ items: Key[] }>("/users/me/keys")]);
  const secret = h("div", { class: "secret", "aria-live": "polite" });
  const reveal = (title: string, value: string) => {
    secret.replaceChildren(
      h("p", {}, `${title} (shown only now: copy it somewhere safe)`),
      h("input", { readonly: true, value, class: "secret-value", "aria-label": title, onfocus: (e: Event) => (e.target as HTMLInputElement).select() }),
    );
  };
  const newToken = h("button", { type: "button" }, "Make a token for a script");
  newToken.addEventListener("click", async () => {
    try {
      const answer = await post<{ token: string; expires_at: string }>("/users/me/tokens", {});
      reveal(`Token, valid until ${formatTime(answer.expires_at)}`, answer.token);
    } catch (error) {
      showError(error);
    }
  });
  const newKey = h("button", { type: "button" }, "Make an API key pair");
  newKey.addEventListener("click", async () => {
    try {
      const key = await post<Key>("/users/me/keys", {});
      reveal(`Private key of ${key.public_key}`, key.private_key ?? "");
      notify("Key made: reload the page to see it listed");
    } catch (error) {
      showError(error);
    }
  });
  context.main.append(
    heading("Your account"),
    h("dl", { class: "properties" }, h("dt", {}, "User"), h("dd", {}, me.username), h("dt", {}, "Name"), h("dd", {}, me.name || "—"), h("dt", {}, "Administrator"), h("dd", {}, me.admin ? "yes" : "no")),
    h("h2", {}, "Tokens and keys"),
    h("div", { class: "inline" }, newToken, newKey),
    secret,
    h(
      "table",
      { class: "list", "aria-label": "API keys" },
      h("thead", {}, h("tr", {}, h("th", {}, "Public key"), h("th", {}, "Made"), h("th", {}, ""))),
      h(
        "tbody",
        {},
        ...keys.items.map((key) =>
          h(
            "tr",
            {},
            h("td", {}, h("code", {}, key.public_key)),
            h("td", {}, formatTime(key.created_at)),
            h(
              "td",
              {},
              h(
                "button",
                {
                  type: "button",
                  class: "danger small",
                  onclick: async () => {
                    if (!(await confirmAction(`Revoke key ${key.public_key}?`, "Revoke"))) return;
                    try {
                      await del(`/users/me/keys/${key.id}`);
                      notify("Key revoked");
                      window.dispatchEvent(new HashChangeEvent("hashchange"));
                    } catch (error) {
                      showError(error);
                    }
                  },
                },
                "Revoke",
              ),
            ),
          ),
        ),
      ),
    ),
  );
}
