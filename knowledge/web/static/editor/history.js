// 版本与比较: every version of the open guide, the server's diff of any two, rollback.

import { html, render } from "../vendor/lit-html.js";
import { S } from "./state.js";
import * as api from "./api.js";
import { badge } from "./badge.js";
import { versionsDiff } from "./diff-view.js";

// Version statuses as knowledge/store/guides.py moves them (draft → published → superseded, withdrawn).
const STATUS_NAMES = { draft: "草稿", published: "已发布", superseded: "历史版本", withdrawn: "已下线" };

const panel = document.getElementById("panel-versions");
let shown = { versions: [], diff: null, failure: "", from: null, to: null };

function view(onRollback) {
  if (!S.guide || S.creating) return html`<div class="card muted">请先打开一份已保存的指南。</div>`;
  if (shown.failure) return html`<div class="card error-text">${shown.failure}</div>`;
  var vs = shown.versions;
  var published = S.guide.published_version;
  return html`<div class="card"><h2>版本</h2>
    <div class="table-wrap"><table class="data versions" data-testid="versions-table"><thead><tr>
      <th>比较：从</th><th>到</th><th>版本</th><th>状态</th><th>作者</th><th>时间</th><th>说明</th><th></th></tr></thead><tbody>
      ${vs.map(function (v) {
        var canRollback = S.canPublish && v.version !== published && v.status !== "draft";
        return html`<tr data-testid="version-row" data-version=${v.version}>
          <td><input type="radio" name="diff-from" .value=${String(v.version)} aria-label=${"从 v" + v.version}
            .checked=${v.version === shown.from}></td>
          <td><input type="radio" name="diff-to" .value=${String(v.version)} aria-label=${"到 v" + v.version}
            .checked=${v.version === shown.to}></td>
          <td><strong>v${v.version}</strong></td>
          <td>${badge(v.status, STATUS_NAMES[v.status] || v.status)}</td>
          <td>${v.author || ""}</td><td>${window.Staff.time(v.created_at)}</td><td>${v.comment || ""}</td>
          <td>${canRollback ? html`<button type="button" class="btn small danger" data-testid="rollback"
            @click=${function () { onRollback(v.version); }}>回滚到此版本</button>` : ""}</td></tr>`;
      })}</tbody></table></div>
    <div class="toolbar" style="margin-top:10px"><button type="button" class="btn primary" id="compare" data-testid="compare"
      ?disabled=${vs.length < 2} @click=${compareChosen}>比较所选的两个版本</button>
      ${S.canPublish ? html`<span class="muted" style="font-size:13px">回滚会把所选版本的内容发布为一个新版本。</span>` : ""}</div></div>
    <div id="diff-view">${shown.diff ? shown.diff : ""}</div>`;
}

let rollbackHandler = function () {};
function draw() { render(view(rollbackHandler), panel); }

export async function loadVersions(onRollback) {
  rollbackHandler = onRollback;
  shown = { versions: [], diff: null, failure: "", from: null, to: null };
  if (!S.guide || S.creating) { draw(); return; }
  var id = S.guide.id;
  try {
    shown.versions = (await api.versions(id)).sort(function (a, b) { return b.version - a.version; });
  } catch (e) {
    shown.failure = "读取版本失败：" + e.detail;
    draw();
    return;
  }
  var vs = shown.versions;
  shown.to = vs.length ? vs[0].version : null;
  shown.from = vs.length > 1 ? vs[1].version : shown.to;
  draw();
  if (vs.length >= 2) await loadDiff(shown.from, shown.to);
}

function compareChosen() {
  var from = panel.querySelector("input[name=diff-from]:checked");
  var to = panel.querySelector("input[name=diff-to]:checked");
  if (!from || !to) return;
  shown.from = Number(from.value);
  shown.to = Number(to.value);
  loadDiff(shown.from, shown.to);
}

async function loadDiff(from, to) {
  try {
    shown.diff = versionsDiff(S.kind, await api.diff(S.guide.id, from, to));
  } catch (e) {
    shown.diff = html`<div class="card error-text">比较失败：${e.detail}</div>`;
  }
  draw();
}
