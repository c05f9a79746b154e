// The head of the open guide: its title and state, the save / publish / withdraw buttons, the result
// of the last action.

import { html, nothing } from "../vendor/lit-html.js";
import { S, guideTitle } from "./state.js";
import * as schema from "./schema.js";
import { badge } from "./badge.js";

export function headView(wide) {
  if (!S.model) return nothing;
  var g = S.guide;
  var badges = [];
  if (S.creating) badges.push(badge("draft", "新建，尚未保存"));
  else {
    badges.push(g.published_version ? badge("published", "已发布 v" + g.published_version, "guide-published-badge")
                                     : badge("muted", "未发布", "guide-published-badge"));
    if (g.draft) badges.push(badge("draft", "草稿 v" + g.draft.version, "guide-draft-badge"));
  }
  if (S.dirty) badges.push(badge("warn", "有未保存的修改", "dirty-badge"));
  var draftV = g && g.draft ? g.draft.version : null;
  var kindName = schema.kindTitle(S.kind);
  var meta = S.creating ? "新建" + kindName
    : kindName + " · " + g.id + (S.model.department ? " · " + S.model.department : "") +
      (S.baseVersion ? " · 最新版本 v" + S.baseVersion : "");
  var canNotice = !S.creating && g.published_version && (S.kind === "item" || S.kind === "route");
  return html`
    <button type="button" class="btn small link list-toggle" data-cmd="show-list" style="float:right">← 指南列表</button>
    <button type="button" class="btn small link wide-toggle" data-cmd="wide" style="float:right">${wide
      ? "⇥ 显示指南列表" : "⇤ 收起列表，全宽编辑"}</button>
    ${S.dirty ? html`<button type="button" class="btn primary fab-save" data-cmd="save" aria-label="保存草稿">保存</button>` : nothing}
    <h1 data-testid="guide-title">${guideTitle(S.model, S.kind) || "（未命名）"} <span class="badges">${badges}</span></h1>
    <p class="meta">${meta}</p>
    <div class="toolbar">
      <button type="button" class="btn primary" data-cmd="save" data-testid="save-draft" ?disabled=${S.saving}>${
        S.saving ? "正在保存…" : S.creating ? "创建草稿" : "保存草稿"}</button>
      ${S.creating ? html`<button type="button" class="btn" data-cmd="cancel-create">取消</button>` : html`
        <button type="button" class="btn" data-cmd="revert" data-testid="revert" ?disabled=${!S.dirty}>放弃修改</button>
        ${S.canPublish ? html`
          <button type="button" class="btn" data-cmd="publish" data-testid="publish" ?disabled=${!draftV}
            title=${draftV ? nothing : "没有待发布的草稿"}>发布${draftV ? "草稿 v" + draftV : ""}</button>
          ${g.published_version ? html`<button type="button" class="btn danger" data-cmd="withdraw" data-testid="withdraw">下线</button>` : nothing}`
        : nothing}
        ${canNotice ? html`<a class="btn link" target="_blank" rel="noopener"
          href=${"/api/" + (S.kind === "item" ? "items/" : "routes/") + encodeURIComponent(g.id) + "/notice"}>线上告知单 ↗</a>` : nothing}`}
    </div>
    ${S.result ? html`<div class="action-result ${S.result.kind}" data-testid=${S.result.kind === "ok" ? "action-result" : "action-error"}
      role=${S.result.kind === "ok" ? "status" : "alert"}>${S.result.text}</div>` : nothing}`;
}
