// A Slack modal (views.open) shown over the page; Submit sends view_submission through the server and
// shows the bot's per-field errors, Cancel just closes it (Slack sends nothing for a plain close).
import { renderBlocks } from "./blockkit.js";
import { plainText } from "./mrkdwn.js";

const $ = (id) => document.getElementById(id);

export function openModal(view, users, submit, text) {
  const backdrop = $("modal");
  const form = $("modal-form");
  $("modal-title").textContent = plainText(view.title);
  $("modal-body").replaceChildren(renderBlocks(view.blocks || [], { users, onClick: () => {} }));
  $("modal-submit").textContent = plainText(view.submit) || "Submit";
  $("modal-close").textContent = plainText(view.close) || `${text("cancel", "ko")} · ${text("cancel", "en")}`;
  backdrop.hidden = false;
  form.querySelector("input, textarea")?.focus();
  const close = () => {
    backdrop.hidden = true;
    form.onsubmit = null;
  };
  $("modal-close").onclick = close;
  form.onsubmit = async (event) => {
    event.preventDefault();
    const values = {};
    for (const block of form.querySelectorAll("[data-block-id]")) {
      const field = block.querySelector("input, textarea");
      values[block.dataset.blockId] = field ? field.value : "";
    }
    $("modal-submit").disabled = true;
    try {
      const result = await submit(values);
      const errors = result.errors || {};
      for (const block of form.querySelectorAll("[data-block-id]")) {
        const error = block.querySelector(".sk-error");
        error.textContent = errors[block.dataset.blockId] || "";
        error.hidden = !errors[block.dataset.blockId];
      }
      if (!Object.keys(errors).length) close();
    } finally {
      $("modal-submit").disabled = false;
    }
  };
}
