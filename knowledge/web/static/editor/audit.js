// 操作记录: the audit log of the open guide, or of all guides.

import { html, render } from "../vendor/lit-html.js";
import { S } from "./state.js";
import * as api from "./api.js";

const body = document.querySelector("[data-testid=audit-table] tbody");
const all = document.getElementById("audit-all");

export async function loadAudit() {
  var everything = all.checked || !S.guide || S.creating;
  var rows;
  try {
    rows = await api.audit(everything ? null : S.guide.id);
  } catch (e) {
    render(html`<tr><td colspan="6" class="error-text">读取操作记录失败：${e.detail}</td></tr>`, body);
    return;
  }
  render(rows.length ? rows.map(function (r) {
    return html`<tr data-testid="audit-row"><td>${window.Staff.time(r.at)}</td><td>${r.username || ""}</td>
      <td>${r.action_label}</td><td>${r.guide_id || ""}</td>
      <td>${r.version ? "v" + r.version : ""}</td><td>${r.detail || ""}</td></tr>`;
  }) : html`<tr><td colspan="6" class="muted">暂无记录</td></tr>`, body);
}

all.addEventListener("change", loadAudit);
