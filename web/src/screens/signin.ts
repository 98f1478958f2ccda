import { signIn } from "../api";
import { h } from "../dom";
import { showError } from "../ui";

export function renderSignIn(main: HTMLElement, next: string): void {
  const username = h("input", { id: "username", name: "username", autocomplete: "username", required: true });
  const password = h("input", {
    id: "password",
    name: "password",
    type: "password",
    autocomplete: "current-password",
    required: true,
  });
  const form = h(
    "form",
    { class: "signin", "aria-label": "Sign in" },
    h("h1", {}, "Sign in to Vitrine"),
    h("label", { for: "username" }, "User name"),
    username,
    h("label", { for: "password" }, "Password"),
    password,
    h("button", { type: "submit" }, "Sign in"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await signIn(username.value, password.value);
      password.value = "";
      // Only addresses of this application: never somewhere a crafted link names.
      location.hash = "#" + (next.startsWith("/") && !next.startsWith("//") ? next : "/projects");
    } catch (error) {
      showError(error);
      password.select();
    }
  });
  main.append(form);
  username.focus();
}
