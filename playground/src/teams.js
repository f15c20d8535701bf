// Teams messages: Adaptive Cards rendered by the official renderer (npm `adaptivecards`), markdown
// through markdown-it with raw HTML off, Action.Execute clicks handed back to the page.
import * as AC from "adaptivecards";
import MarkdownIt from "markdown-it";
import { h, safeUrl } from "./dom.js";

const ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive";
const markdown = new MarkdownIt({ html: false, linkify: true, breaks: true });

AC.AdaptiveCard.onProcessMarkdown = (text, result) => {
  result.outputHtml = markdown.render(text);
  result.didProcess = true;
};

// Close to Teams' light theme.
const hostConfig = new AC.HostConfig({
  fontFamily: "'Segoe UI', system-ui, -apple-system, 'Apple SD Gothic Neo', 'Malgun Gothic', sans-serif",
  supportsInteractivity: true,
  spacing: { small: 4, default: 8, medium: 16, large: 20, extraLarge: 24, padding: 16 },
  separator: { lineThickness: 1, lineColor: "#E1DFDD" },
  fontSizes: { small: 12, default: 14, medium: 16, large: 18, extraLarge: 24 },
  fontWeights: { lighter: 300, default: 400, bolder: 600 },
  containerStyles: {
    default: {
      backgroundColor: "#FFFFFF",
      foregroundColors: {
        default: { default: "#242424", subtle: "#616161" },
        accent: { default: "#5B5FC7", subtle: "#6264A7" },
        good: { default: "#237B4B", subtle: "#2E8B57" },
        warning: { default: "#835B00", subtle: "#A67C00" },
        attention: { default: "#C4314B", subtle: "#D13438" },
      },
    },
    emphasis: { backgroundColor: "#F5F5F5" },
  },
  actions: {
    maxActions: 6,
    spacing: "default",
    buttonSpacing: 8,
    showCard: { actionMode: "inline", inlineTopMargin: 16 },
    actionsOrientation: "horizontal",
    actionAlignment: "left",
  },
  factSet: {
    title: { weight: "bolder", size: "default", wrap: true, maxWidth: 180 },
    value: { wrap: true },
    spacing: 8,
  },
  imageSizes: { small: 40, medium: 80, large: 160 },
});

// One rendered card; `onExecute(verb, data)` is called for Action.Execute clicks.
export function renderCard(content, onExecute) {
  const card = new AC.AdaptiveCard();
  card.hostConfig = hostConfig;
  card.onExecuteAction = (action) => {
    if (action instanceof AC.ExecuteAction) onExecute(action.verb, action.data || {});
    else if (action instanceof AC.OpenUrlAction) {
      const url = safeUrl(action.url);
      if (url) window.open(url, "_blank", "noopener,noreferrer");
    } else if (action instanceof AC.SubmitAction) onExecute("", action.data || {});
  };
  try {
    card.parse(content);
    const rendered = card.render();
    if (rendered) return h("div", { class: "ac-host" }, rendered);
  } catch (error) {
    console.error("adaptive card failed to render", error);
  }
  return h("pre", { class: "ac-error", text: JSON.stringify(content, null, 2) });
}

// Teams shows a bot's text as markdown; markdown-it has raw HTML off and refuses javascript: links.
function teamsText(message) {
  const el = h("div", { class: "teams-text" });
  if (message.sender === "bot") el.innerHTML = markdown.render(message.text);
  else el.textContent = message.text;
  return el;
}

// The body of a Teams message: its text and every card attachment (a carousel scrolls sideways).
export function renderTeamsBody(message, onExecute) {
  const attachments = Array.isArray(message.attachments) ? message.attachments : [];
  const cards = attachments
    .map((attachment, index) =>
      attachment && attachment.contentType === ADAPTIVE_CARD
        ? renderCard(attachment.content, (verb, data) => onExecute(index, verb, data))
        : null,
    )
    .filter(Boolean);
  return h(
    "div",
    { class: "teams-body" },
    message.text ? teamsText(message) : null,
    cards.length
      ? h("div", { class: message.attachmentLayout === "carousel" ? "carousel" : "cards" }, cards)
      : null,
  );
}
