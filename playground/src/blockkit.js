// A faithful-enough Block Kit preview: header, section (text, fields, accessory), divider, context,
// image, actions (buttons styled primary/danger, link buttons) and, in modals, input blocks.
import { h, safeUrl } from "./dom.js";
import { mrkdwn, plainText, textObject } from "./mrkdwn.js";

export function button(element, onClick) {
  const style = element.style === "primary" || element.style === "danger" ? element.style : "";
  const url = element.url ? safeUrl(element.url) : "";
  return h(
    "button",
    {
      type: "button",
      class: `sk-button ${style}`.trim(),
      title: url || undefined,
      dataset: { actionId: element.action_id || "" },
      onclick: (event) => {
        if (url) window.open(url, "_blank", "noopener,noreferrer");
        onClick(element, event.currentTarget);
      },
    },
    plainText(element.text),
    url ? h("span", { class: "external", text: " ↗" }) : null,
  );
}

function accessory(element, ctx) {
  if (!element) return null;
  if (element.type === "button") return h("div", { class: "sk-accessory" }, button(element, ctx.onClick));
  if (element.type === "image") {
    const src = safeUrl(element.image_url);
    return src ? h("img", { class: "sk-thumb", src, alt: element.alt_text || "" }) : null;
  }
  return null;
}

const renderers = {
  header: (block) => h("div", { class: "sk-header", text: plainText(block.text) }),
  divider: () => h("hr", { class: "sk-divider" }),
  section: (block, ctx) =>
    h(
      "div",
      { class: "sk-section" },
      h(
        "div",
        { class: "sk-section-main" },
        block.text ? h("div", { class: "sk-text" }, textObject(block.text, ctx.users)) : null,
        block.fields
          ? h(
              "div",
              { class: "sk-fields" },
              block.fields.map((field) => h("div", { class: "sk-field" }, textObject(field, ctx.users))),
            )
          : null,
      ),
      accessory(block.accessory, ctx),
    ),
  context: (block, ctx) =>
    h(
      "div",
      { class: "sk-context" },
      (block.elements || []).map((element) => {
        if (element.type === "image") {
          const src = safeUrl(element.image_url);
          return src ? h("img", { src, alt: element.alt_text || "" }) : null;
        }
        return h("span", {}, textObject(element, ctx.users));
      }),
    ),
  image: (block) => {
    const src = safeUrl(block.image_url);
    return h(
      "figure",
      { class: "sk-image" },
      block.title ? h("figcaption", { text: plainText(block.title) }) : null,
      src ? h("img", { src, alt: block.alt_text || "" }) : h("span", { class: "muted", text: block.alt_text }),
    );
  },
  actions: (block, ctx) =>
    h(
      "div",
      { class: "sk-actions" },
      (block.elements || [])
        .filter((element) => element.type === "button")
        .map((element) => button(element, ctx.onClick)),
    ),
  input: (block, ctx) => {
    const element = block.element || {};
    const id = `input-${block.block_id}`;
    const attrs = {
      id,
      name: block.block_id,
      class: "sk-input",
      placeholder: plainText(element.placeholder),
      maxlength: element.max_length,
      required: !block.optional,
    };
    return h(
      "div",
      { class: "sk-input-block", dataset: { blockId: block.block_id } },
      h("label", { for: id }, plainText(block.label), block.optional ? h("span", { class: "muted", text: " (optional)" }) : null),
      element.multiline ? h("textarea", { ...attrs, rows: 3 }) : h("input", attrs),
      h("div", { class: "sk-error", hidden: true }),
    );
  },
};

// Blocks as a DOM node; unknown blocks show as a note rather than vanishing.
export function renderBlocks(blocks, ctx) {
  return h(
    "div",
    { class: "sk-blocks" },
    blocks.map((block) => {
      const render = renderers[block && block.type];
      return render ? render(block, ctx) : h("div", { class: "muted", text: `[${block && block.type} block]` });
    }),
  );
}

export function renderMessageBody(message, ctx) {
  const blocks = Array.isArray(message.blocks) ? message.blocks : [];
  if (blocks.length) return renderBlocks(blocks, ctx);
  return h("div", { class: "sk-text" }, mrkdwn(message.text, ctx.users));
}
