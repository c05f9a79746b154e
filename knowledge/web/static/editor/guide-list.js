// The list of guides on the left: search, kind and status filters, one row per guide.

import { html, render } from "../vendor/lit-html.js";
import { S } from "./state.js";
import * as api from "./api.js";
import * as schema from "./schema.js";
import { badge } from "./badge.js";

const body = document.querySelector("[data-testid=guide-list] tbody");
const q = document.getElementById("q");
const kindFilter = document.getElementById("kind-filter");
const statusFilter = document.getElementById("status-filter");

export async function loadList() {
  try {
    S.list = await api.guides({ q: q.value.trim(), kind: kindFilter.value, status: statusFilter.value });
  } catch (e) {
    window.Staff.toast("读取指南列表失败：" + e.detail, "error");
    return;
  }
  drawList();
}

export function drawList() {
  document.getElementById("list-count").textContent = "共 " + S.list.length + " 份";
  var current = S.guide && !S.creating ? S.guide.id : null;
  render(S.list.length ? S.list.map(function (g) {
    return html`<tr data-testid="guide-row" data-id=${g.id} class="clickable" aria-selected=${g.id === current ? "true" : "false"}>
      <td><a class="open" href=${"/editor?id=" + encodeURIComponent(g.id)}>${g.title || g.id}</a>
        <div class="sub">${g.id}${g.department ? " · " + g.department : ""}</div>
        ${g.updated_at ? html`<div class="sub">${window.Staff.time(g.updated_at)}${g.updated_by ? " " + g.updated_by : ""}</div>` : ""}</td>
      <td>${badge("", schema.kindTitle(g.kind))}</td>
      <td><div class="badges">${g.published_version ? badge("published", "已发布 v" + g.published_version)
        : badge("muted", g.latest_version > 1 ? "未发布/已下线" : "未发布")}${g.has_draft
        ? badge("draft", "草稿 v" + g.latest_version, "draft-badge") : ""}</div></td></tr>`;
  }) : html`<tr><td colspan="3" class="muted">没有符合条件的指南</td></tr>`, body);
}

export function attachList(open) {
  body.addEventListener("click", function (e) {
    if (e.target.closest("a") && (e.ctrlKey || e.metaKey || e.shiftKey)) return; // open in a new tab as usual
    var row = e.target.closest("tr[data-id]");
    if (!row) return;
    e.preventDefault();
    open(row.getAttribute("data-id"));
  });
  var searchTimer = null;
  q.addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(loadList, 250);
  });
  kindFilter.addEventListener("change", loadList);
  statusFilter.addEventListener("change", loadList);
}
