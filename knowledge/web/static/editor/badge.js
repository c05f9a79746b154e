import { html, nothing } from "../vendor/lit-html.js";

export function badge(cls, text, testid) {
  return html`<span class="badge ${cls}" data-testid=${testid || nothing}>${text}</span>`;
}
