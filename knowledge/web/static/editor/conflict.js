// The save conflict (409): someone saved a newer version since this editor opened the guide. The
// differences are the server's: the 409 body's `diff` runs from the saved version to these edits.

import { html, nothing } from "../vendor/lit-html.js";
import { S } from "./state.js";
import { fieldCell, unifiedView, valueText } from "./diff-view.js";

// S.conflict is the 409 body: {detail, yours, theirs, diff}.
export function conflictView() {
  var c = S.conflict;
  if (!c) return nothing;
  var theirs = c.theirs;
  var who = (theirs.author || "他人") + " · " + window.Staff.time(theirs.created_at);
  var changes = c.diff ? c.diff.changes || [] : [];
  return html`<div class="card conflict" data-testid="conflict" role="alert">
    <h2>保存冲突：该指南已被他人修改</h2><p>${c.detail || ""}</p>
    <p class="muted">您的修改还没有保存。请比较后选择：采用对方的版本（放弃您的修改），或在知情的情况下用您的版本覆盖。</p>
    <h3>不同之处（${changes.length} 处）</h3>
    <div class="table-wrap"><table class="data" data-testid="conflict-changes"><thead><tr><th>字段</th>
      <th class="mine" data-testid="conflict-yours">我的修改（未保存，基于 v${S.baseVersion}）</th>
      <th class="theirs" data-testid="conflict-theirs">已保存的 v${theirs.version} · ${who}</th></tr></thead><tbody>
      ${changes.length ? changes.map(function (ch) {
        return html`<tr data-field=${ch.field}>${fieldCell(S.kind, ch.field)}
          <td class="mine after">${valueText(S.kind, ch.field, ch.after)}</td>
          <td class="theirs before">${valueText(S.kind, ch.field, ch.before)}</td></tr>`;
      }) : html`<tr><td colspan="3" class="muted">内容相同</td></tr>`}
    </tbody></table></div>
    ${c.diff && c.diff.unified ? html`<h3>逐行比较：用我的版本覆盖 v${theirs.version} 将带来的改动</h3>${unifiedView(c.diff.unified, "conflict-unified")}` : nothing}
    <div class="toolbar">
      <button type="button" class="btn" data-cmd="keep-theirs" data-testid="keep-theirs">采用对方的版本（放弃我的修改）</button>
      <button type="button" class="btn danger" data-cmd="overwrite" data-testid="overwrite">用我的版本覆盖 v${theirs.version}</button>
      <button type="button" class="btn link" data-cmd="back-to-edit" data-testid="back-to-edit">返回继续编辑</button></div></div>`;
}
