// The playground page: pick Teams or Slack and a demo employee, chat with the bot, click its buttons.
// Everything goes through the server (/playground/api/...), which plays the platform for real.
import { renderMessageBody } from "./blockkit.js";
import { clock, h, initials } from "./dom.js";
import { openModal } from "./modal.js";
import { renderTeamsBody } from "./teams.js";

const $ = (id) => document.getElementById(id);
const state = {
  config: null,
  users: [],
  platform: "teams",
  user: "",
  messages: new Map(),
  events: null,
};

// --- labels: Korean first, English beside it (the server sends the catalogue's playground.*) ---------

function text(key, lang = "ko", params = {}) {
  const texts = (state.config && state.config.labels[key]) || {};
  let value = texts[lang] || texts.ko || key;
  for (const [name, param] of Object.entries(params)) value = value.replaceAll(`{${name}}`, String(param));
  return value;
}

function label(key, params) {
  return [h("span", { class: "ko", text: text(key, "ko", params) }), h("span", { class: "en", text: text(key, "en", params) })];
}

function both(key, params) {
  return `${text(key, "ko", params)} · ${text(key, "en", params)}`;
}

// --- server ------------------------------------------------------------------------------------------

async function api(path, body) {
  const response = await fetch(`/playground/api/${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(payload.error || `HTTP ${response.status}`);
  return payload;
}

function toast(message) {
  const el = $("toast");
  el.textContent = message;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (el.hidden = true), 4000);
}

// --- transcript --------------------------------------------------------------------------------------

function currentUser() {
  return state.users.find((u) => u.key === state.user);
}

function upsert(message) {
  state.messages.set(message.id, message);
  const existing = document.querySelector(`[data-message-id="${CSS.escape(message.id)}"]`);
  const node = renderMessage(message);
  if (existing) existing.replaceWith(node);
  else {
    $("messages").querySelector(".empty")?.remove();
    const later = [...$("messages").children].find((el) => Number(el.dataset.seq) > message.seq);
    $("messages").insertBefore(node, later || null);
    node.scrollIntoView({ block: "end" });
  }
}

function remove(message) {
  state.messages.delete(message.id);
  document.querySelector(`[data-message-id="${CSS.escape(message.id)}"]`)?.remove();
}

function author(message) {
  if (message.sender === "user") {
    const user = currentUser();
    return { name: user ? user.name : text("you"), avatar: initials(user && user.name), kind: "user" };
  }
  if (message.sender === "system") return { name: "ChatOps Playground", avatar: "!", kind: "system" };
  return { name: "ChatOps", avatar: "C", kind: "bot" };
}

function renderMessage(message) {
  const who = author(message);
  const body =
    state.platform === "teams"
      ? renderTeamsBody(message, (index, verb, data) => execute(message, index, verb, data))
      : renderMessageBody(message, { users: state.users, onClick: (element, el) => click(message, element, el) });
  const meta = h(
    "div",
    { class: "meta" },
    h("strong", { text: who.name }),
    who.kind === "bot" && state.platform === "slack" ? h("span", { class: "app-badge" }, label("app")) : null,
    h("time", { text: clock(message.time) }),
    message.edited ? h("span", { class: "edited" }, label("edited")) : null,
  );
  return h(
    "article",
    {
      class: `message ${who.kind}${message.ephemeral ? " ephemeral" : ""}`,
      dataset: { messageId: message.id, seq: String(message.seq) },
    },
    h("span", { class: `avatar ${who.kind}`, text: who.avatar }),
    h(
      "div",
      { class: "bubble" },
      meta,
      body,
      message.ephemeral && message.sender !== "user" && state.platform === "slack"
        ? h("div", { class: "only-you" }, "👁 ", label("only_you"))
        : null,
    ),
  );
}

function renderEmpty() {
  $("messages").replaceChildren(h("p", { class: "empty" }, label("empty")));
}

// --- actions -----------------------------------------------------------------------------------------

async function send(typed) {
  const value = typed.trim();
  if (!value || !state.user) return;
  const path = state.platform === "teams" ? "teams/messages" : "slack/commands";
  try {
    await api(path, { user: state.user, text: value });
  } catch (error) {
    toast(error.message);
  }
}

async function execute(message, attachment, verb, data) {
  const node = document.querySelector(`[data-message-id="${CSS.escape(message.id)}"]`);
  node?.classList.add("busy");
  try {
    const result = await api("teams/invoke", { user: state.user, messageId: message.id, attachment, verb, data });
    const response = result.response || {};
    if (response.type === "application/vnd.microsoft.activity.message" && response.value) toast(response.value);
    if (result.status >= 300) toast(both("bot_error", { status: result.status }));
  } catch (error) {
    toast(error.message);
  } finally {
    node?.classList.remove("busy");
  }
}

async function click(message, element, buttonEl) {
  buttonEl.disabled = true;
  try {
    await api("slack/actions", { user: state.user, channel: message.conversation, ts: message.id, actionId: element.action_id });
  } catch (error) {
    toast(error.message);
  } finally {
    buttonEl.disabled = false;
  }
}

// --- live feed ---------------------------------------------------------------------------------------

function onEvent(event) {
  if (event.type === "modal") {
    openModal(event.view, state.users, async (values) => api("slack/views", { user: state.user, viewId: event.view.id, values }), text);
  } else if (event.type === "delete") remove(event.message);
  else upsert(event.message);
}

async function connect() {
  if (state.events) state.events.close();
  state.messages.clear();
  renderEmpty();
  if (!state.user) return;
  const query = new URLSearchParams({ platform: state.platform, user: state.user });
  const events = new EventSource(`/playground/api/events?${query}`);
  state.events = events;
  events.onmessage = (e) => onEvent(JSON.parse(e.data));
  events.onerror = () => {
    $("banner").replaceChildren(...label("reconnecting"));
    $("banner").hidden = false;
    $("status").className = "status off";
  };
  events.onopen = async () => {
    $("banner").hidden = true;
    $("status").className = "status on";
    const history = await api(`history?${query}`);
    if (state.events !== events) return;
    for (const message of history) upsert(message);
    if (!history.length) renderEmpty();
  };
}

// --- chrome ------------------------------------------------------------------------------------------

function renderUsers() {
  $("users").replaceChildren(
    ...state.users.map((user) =>
      h(
        "li",
        {
          role: "option",
          tabindex: "0",
          class: user.key === state.user ? "selected" : "",
          "aria-selected": user.key === state.user ? "true" : "false",
          dataset: { user: user.key },
          onclick: () => selectUser(user.key),
          onkeydown: (e) => (e.key === "Enter" || e.key === " ") && selectUser(user.key),
        },
        h("span", { class: "avatar user", text: initials(user.name) }),
        h(
          "div",
          { class: "who" },
          h("strong", { text: user.name }),
          h("span", { class: "muted", text: [user.title, user.department].filter(Boolean).join(" · ") }),
          h("span", { class: "muted small", text: user.email }),
        ),
        h("span", { class: "lang", text: user.lang.toUpperCase() }),
      ),
    ),
  );
}

function renderCommands() {
  $("commands").replaceChildren(
    ...state.config.commands.map((command) =>
      h("button", {
        type: "button",
        class: "chip",
        title: `${command.description.ko || ""}\n${command.description.en || ""}`,
        text: state.platform === "slack" ? `/chatops ${command.name}` : command.name,
        onclick: () => send(state.platform === "slack" ? `/chatops ${command.name}` : command.name),
      }),
    ),
  );
}

function renderPlatform() {
  const platform = state.config.platforms[state.platform];
  $("chat").dataset.platform = state.platform;
  for (const tab of document.querySelectorAll("#platforms button")) {
    tab.setAttribute("aria-selected", String(tab.dataset.platform === state.platform));
  }
  const note = $("platform-note");
  note.hidden = platform.ready;
  note.replaceChildren(...(platform.ready ? [] : label(platform.reason)));
  $("input").disabled = $("send").disabled = !platform.ready || !state.user;
  $("input").placeholder = both(state.platform === "teams" ? "placeholder_teams" : "placeholder_slack");
  const user = currentUser();
  $("chat-where").textContent = user ? (state.platform === "teams" ? ` · 1:1 — ${user.name}` : ` · DM — ${user.name}`) : "";
  renderCommands();
}

function selectUser(key) {
  state.user = key;
  renderUsers();
  renderPlatform();
  connect();
  $("input").focus();
}

function selectPlatform(platform) {
  state.platform = platform;
  renderPlatform();
  connect();
}

async function main() {
  state.config = await api("config");
  state.users = await api("users");
  document.title = both("title");
  $("title").replaceChildren(...label("title"));
  $("subtitle").replaceChildren(...label("subtitle"));
  $("local-only").replaceChildren(...label("local_badge"));
  $("local-only").title = both("local_only");
  $("local-note").replaceChildren(...label("local_only"));
  $("platform-label").replaceChildren(...label("platform"));
  $("user-label").replaceChildren(...label("user"));
  $("commands-label").replaceChildren(...label("commands"));
  $("send").replaceChildren(...label("send"));
  for (const tab of document.querySelectorAll("#platforms button")) {
    tab.addEventListener("click", () => selectPlatform(tab.dataset.platform));
  }
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("input");
    send(input.value);
    input.value = "";
  });
  const params = new URLSearchParams(window.location.search);
  state.platform = params.get("platform") === "slack" ? "slack" : "teams";
  selectUser(params.get("user") || (state.users[0] && state.users[0].key) || "");
}

main().catch((error) => toast(error.message));
