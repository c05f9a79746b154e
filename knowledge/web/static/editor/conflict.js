// The save conflict (409): someone saved a newer version since this editor opened the guide. The
// differences come from the server: the 409 body's `diff` (the saved version → these edits), or, from
// a server that does not send one, the diff between the version this editor started from and the
// saved one (what the other editor changed), beside what this editor has in those fields.

import { html, nothing } from "../vendor/lit-html.js";
import { S, getPath } from "./state.js";
import * as api from "./api.js";
import { fieldCell, unifiedView, valueText } from "./diff-view.js";

// The 409 body ({detail, yours, theirs[, diff]}); the diff is fetched when the body has none.
export async function conflictFrom(body) {
  var c = Object.assign({}, body);
  if (body.diff) {
    c.mine = function (change) { return change.after; };
    c.saved = function (change) { return change.before; };
    return c;
  }
  try {
    c.diff = await api.diff(S.guide.id, S.baseVersion, body.theirs.version);
  } catch (e) {
    c.diff = null;
    c.failure = e.detail;
  }
  c.sinceBase = true;
  c.mine = function (change) { return getPath(S.model, change.field); };
  c.saved = function (change) { return change.after; };
  return c;
}

export function conflictView() {
  var c = S.conflict;
  if (!c) return nothing;
  var theirs = c.theirs;
  var who = (theirs.author || "他人") + " · " + window.Staff.time(theirs.created_at);
  var changes = c.diff ? c.diff.changes || [] : [];
  return html`<div class="card conflict" data-testid="conflict" role="alert">
    <h2>保存冲突：该指南已被他人修改</h2><p>${c.detail || ""}</p>
    <p class="muted">您的修改还没有保存。请比较后选择：采用对方的版本（放弃您的修改），或在知情的情况下用您的版本覆盖。</p>
    ${c.failure ? html`<p class="error-text">读取两个版本的差异失败：${c.failure}</p>` : nothing}
    <h3>${c.sinceBase ? "对方在 v" + S.baseVersion + " 之后改动的字段" : "不同之处"}（${changes.length} 处）</h3>
    <div class="table-wrap"><table class="data" data-testid="conflict-changes"><thead><tr><th>字段</th>
      <th class="mine" data-testid="conflict-yours">我的修改（未保存，基于 v${S.baseVersion}）</th>
      <th class="theirs" data-testid="conflict-theirs">已保存的 v${theirs.version} · ${who}</th></tr></thead><tbody>
      ${changes.length ? changes.map(function (ch) {
        return html`<tr data-field=${ch.field}>${fieldCell(S.kind, ch.field)}
          <td class="mine after">${valueText(S.kind, ch.field, c.mine(ch))}</td>
          <td class="theirs before">${valueText(S.kind, ch.field, c.saved(ch))}</td></tr>`;
      }) : html`<tr><td colspan="3" class="muted">内容相同</td></tr>`}
    </tbody></table></div>
    ${c.diff && c.diff.unified ? html`<h3>${c.sinceBase
      ? "逐行比较：对方的改动（v" + S.baseVersion + " → v" + theirs.version + "）"
      : "逐行比较：用我的版本覆盖 v" + theirs.version + " 将带来的改动"}</h3>${unifiedView(c.diff.unified, "conflict-unified")}` : nothing}
    <div class="toolbar">
      <button type="button" class="btn" data-cmd="keep-theirs" data-testid="keep-theirs">采用对方的版本（放弃我的修改）</button>
      <button type="button" class="btn danger" data-cmd="overwrite" data-testid="overwrite">用我的版本覆盖 v${theirs.version}</button>
      <button type="button" class="btn link" data-cmd="back-to-edit" data-testid="back-to-edit">返回继续编辑</button></div></div>`;
}
