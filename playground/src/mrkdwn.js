// Slack mrkdwn -> DOM nodes, the way Slack shows it: *bold*, _italic_, ~strike~, `code`, ```pre```,
// > quotes, <url|label> links and <@U…>/<#C…>/<!here> mentions. Entities (&amp; &lt; &gt;) decode to
// text; nothing is ever parsed as HTML. Formatting marks only count at word boundaries, and a
// zero-width space next to a mark disables it, as in Slack (the bot escapes text that way).
import { h, safeUrl } from "./dom.js";

const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">" };
const decode = (text) => text.replace(/&(amp|lt|gt);/g, (m) => ENTITIES[m]);

const before = String.raw`(?<=^|[\s([{"'>~_*])`;
const after = String.raw`(?=$|[\s)\]}.,!?:;"'<~_*])`;
const span = (mark) =>
  new RegExp(`${before}\\${mark}(?=[^\\s\\u200b${mark}])((?:[^${mark}\\n])*?[^\\s\\u200b${mark}])\\${mark}${after}`);
const PATTERNS = [
  ["link", /<([^<>\s|]+)(?:\|([^<>]*))?>/],
  ["code", /`([^`\n]+)`/],
  ["b", span("*")],
  ["i", span("_")],
  ["s", span("~")],
];

function inline(text, users) {
  const out = [];
  let rest = text;
  while (rest) {
    let best = null;
    for (const [kind, pattern] of PATTERNS) {
      const match = pattern.exec(rest);
      if (match && (best === null || match.index < best.match.index)) best = { kind, match };
    }
    if (best === null) {
      out.push(decode(rest));
      break;
    }
    const { kind, match } = best;
    if (match.index > 0) out.push(decode(rest.slice(0, match.index)));
    rest = rest.slice(match.index + match[0].length);
    if (kind === "link") out.push(reference(match[1], match[2], users));
    else if (kind === "code") out.push(h("code", { text: decode(match[1]) }));
    else out.push(h(kind, {}, inline(match[1], users)));
  }
  return out;
}

function reference(target, label, users) {
  if (target.startsWith("@")) {
    const user = users.find((u) => u.slackId === target.slice(1));
    return h("span", { class: "mention", text: "@" + (label || (user ? user.name : target.slice(1))) });
  }
  if (target.startsWith("#")) return h("span", { class: "mention", text: "#" + (label || target.slice(1)) });
  if (target.startsWith("!")) {
    const special = target.slice(1).split("^")[0];
    return h("span", { class: "mention", text: label ? decode(label) : "@" + special });
  }
  const href = safeUrl(decode(target));
  const text = decode(label || target);
  return href ? h("a", { href, target: "_blank", rel: "noopener noreferrer", text }) : text;
}

export function mrkdwn(text, users = []) {
  const parts = String(text || "").split("```");
  const nodes = [];
  parts.forEach((part, index) => {
    if (index % 2 === 1) {
      nodes.push(h("pre", { text: decode(part.replace(/^\n/, "")) }));
      return;
    }
    const lines = part.split("\n");
    lines.forEach((line, n) => {
      const quote = /^(&gt;|>)\s?/.exec(line);
      if (quote) nodes.push(h("blockquote", {}, inline(line.slice(quote[0].length), users)));
      else {
        nodes.push(...inline(line, users));
        if (n < lines.length - 1) nodes.push(h("br"));
      }
    });
  });
  return nodes;
}

// plain_text shows no formatting, but Slack still decodes the three entities in it.
export function plainText(object) {
  return object && typeof object.text === "string" ? decode(object.text) : "";
}

// A Block Kit text object (plain_text or mrkdwn) as nodes.
export function textObject(object, users) {
  if (!object) return [];
  return object.type === "mrkdwn" ? mrkdwn(object.text, users) : [plainText(object)];
}
