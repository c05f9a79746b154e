// 指南维护 (/editor): list and search guides, edit items / routes / FAQ / industries in forms built
// from the served schema, save drafts (optimistic locking with base_version), resolve conflicts,
// publish / roll back / withdraw, versions with the server's diffs, audit log, export and import.
// This module holds the workflow and renders the page from S (state.js) after every change.

import { html, nothing, render } from "../vendor/lit-html.js";
import { S, changed, clone, guideTitle, onChange } from "./state.js";
import * as api from "./api.js";
import * as schema from "./schema.js";
import { guideForm } from "./guide-forms.js";
import { withErrors } from "./fields.js";
import { dropEmptyLines, fitHeight, onFieldEvent, onFormClick } from "./form-events.js";
import { conflictView } from "./conflict.js";
import { headView } from "./head.js";
import { attachList, drawList, loadList } from "./guide-list.js";
import { loadVersions } from "./history.js";
import { loadAudit } from "./audit.js";
import { attachImport } from "./import-zip.js";
import { confirmBox } from "./dialog.js";

const Staff = window.Staff;
const main = document.getElementById("editor-main");
const layout = document.getElementById("layout");
const form = document.getElementById("guide-form");
const head = document.getElementById("guide-head");
const summaryBox = document.getElementById("error-summary");
const conflictBox = document.getElementById("conflict");
const emptyState = document.getElementById("empty-state");

// ---------------------------------------------------------------- rendering

function summaryView() {
  if (!S.errors.length) return nothing;
  return html`<strong>${S.errorDetail || "指南内容有误，请按提示修改"}</strong><ul>${S.errors.map(function (err, i) {
    return html`<li><a href="#" data-goto=${i}>${schema.pathLabel(S.kind, err.field || "")}</a>：${err.msg}</li>`;
  })}</ul>`;
}

function renderAll(detail) {
  var typing = detail && detail.typing;
  emptyState.hidden = !!S.model;
  layout.classList.toggle("has-guide", !!S.model);
  head.hidden = !S.model;
  render(headView(layout.classList.contains("list-collapsed")), head);
  render(S.model ? withErrors(guideForm) : nothing, form);
  form.hidden = !S.model || !!S.conflict;
  summaryBox.hidden = !S.errors.length;
  render(summaryView(), summaryBox);
  conflictBox.hidden = !S.conflict;
  render(conflictView(), conflictBox);
  render(S.result && !S.model ? html`<div class="action-result ${S.result.kind}"
    data-testid=${S.result.kind === "ok" ? "action-result" : "action-error"}>${S.result.text}</div>` : nothing,
    document.getElementById("empty-result"));
  if (!typing) {
    drawList();
    form.querySelectorAll("table textarea").forEach(fitHeight);
  }
  // Whatever the page scrolls to (an error, the conflict view) must land below the sticky head.
  var sticky = getComputedStyle(head).position === "sticky";
  document.documentElement.style.setProperty("--head-h", (sticky && !head.hidden ? head.offsetHeight + 12 : 12) + "px");
}
onChange(renderAll);

function setResult(kind, text) {
  S.result = text ? { kind: kind, text: text } : null;
  changed();
}

function showEmpty(message) {
  if (message) emptyState.querySelector("p").textContent = message;
  emptyState.hidden = false;
}

// ---------------------------------------------------------------- errors (422)

// FastAPI's own request validation ({"detail": [{loc, msg}]}) arrives when the body's shape is wrong.
function errorsFrom(err) {
  var body = err.body || {};
  if (Array.isArray(body.errors)) return body.errors;
  if (Array.isArray(body.detail)) {
    return body.detail.map(function (d) {
      var loc = (d.loc || []).filter(function (p) { return p !== "body" && p !== "data"; });
      return { field: loc.join("."), msg: d.msg };
    });
  }
  return [{ field: "", msg: err.detail }];
}

function showErrors(err) {
  S.errors = errorsFrom(err);
  S.errorDetail = typeof (err.body || {}).detail === "string" ? err.body.detail : "指南内容有误，请按提示修改";
  changed();
  summaryBox.scrollIntoView({ block: "start" });
  summaryBox.focus({ preventScroll: true });
}

function clearErrors() {
  S.errors = [];
  S.errorDetail = "";
}

summaryBox.addEventListener("click", function (e) {
  var a = e.target.closest("a[data-goto]");
  if (!a) return;
  e.preventDefault();
  var field = S.errors[Number(a.getAttribute("data-goto"))].field || "";
  var input = form.querySelector('[data-path="' + CSS.escape(field) + '"]');
  var parts = field.split(".");
  var wrapper = null;
  while (!input && !wrapper && parts.length) {
    var p = CSS.escape(parts.join("."));
    wrapper = form.querySelector('[data-field="' + p + '"]') || form.querySelector('[data-error-for="' + p + '"]');
    parts.pop();
  }
  var target = input || wrapper;
  if (!target) return;
  target.scrollIntoView({ block: "center" });
  var focusable = input || wrapper.querySelector("input, select, textarea");
  if (focusable) focusable.focus({ preventScroll: true });
});

// ---------------------------------------------------------------- form events

form.addEventListener("input", onFieldEvent);
form.addEventListener("change", onFieldEvent);
form.addEventListener("submit", function (e) { e.preventDefault(); });
form.addEventListener("click", function (e) { onFormClick(e, form, { clearErrors: clearErrors }); });

// ---------------------------------------------------------------- open / create

async function confirmLeave() {
  if (!S.dirty) return true;
  return confirmBox("当前指南有未保存的修改，离开将丢失这些修改。确定离开吗？", "放弃修改并离开", true);
}

function setUrl(params) {
  var qs = new URLSearchParams(params).toString();
  history.replaceState(null, "", "/editor" + (qs ? "?" + qs : ""));
}

function resetWorkingCopy(model) {
  S.model = model;
  S.dirty = false;
  S.conflict = null;
  S.raw.clear();
  S.renamedFrom.clear();
  clearErrors();
}

async function openGuide(id, opts) {
  opts = opts || {};
  if (!opts.force && !(await confirmLeave())) return;
  var detail;
  try {
    detail = await api.guide(id);
  } catch (e) {
    Staff.toast(e.status === 404 ? "没有找到指南「" + id + "」" : "打开指南失败：" + e.detail, "error");
    return;
  }
  S.guide = detail;
  S.kind = detail.kind;
  S.creating = false;
  var source = detail.draft || detail.published;
  resetWorkingCopy(source ? clone(source.data) : null);
  S.baseVersion = detail.latest_version;
  if (!opts.keepResult) S.result = null;
  setUrl({ id: id });
  if (!S.model) {
    // Withdrawn and no draft: there is nothing current to edit; the versions list can bring one back.
    changed();
    showEmpty("指南「" + id + "」已下线，当前没有草稿。可在“版本与比较”中选择一个版本回滚发布。");
    selectTab("versions");
    return;
  }
  layout.classList.remove("list-open");
  changed();
  if (S.kind === "route") loadIds("item", "item-ids");
  if (S.kind === "industry") loadIds("route", "route-ids");
  if (S.tab === "versions") loadVersions(rollback);
  if (S.tab === "audit") loadAudit();
  if (!opts.force && window.matchMedia("(max-width: 999px)").matches) head.scrollIntoView({ block: "start" });
}

async function startCreate(kind, title, alias) {
  if (!(await confirmLeave())) return;
  S.guide = null;
  S.kind = kind;
  S.creating = true;
  var model = schema.newGuide(kind);
  if (title) model[kind === "faq" ? "question" : "name"] = title;
  if (alias) model[kind === "faq" ? "alt_questions" : "aliases"] = [alias];
  resetWorkingCopy(model);
  S.baseVersion = null;
  S.result = null;
  selectTab("edit");
  changed();
  if (kind === "route") loadIds("item", "item-ids");
  if (kind === "industry") loadIds("route", "route-ids");
  var idInput = form.querySelector('[data-path="id"]');
  if (idInput) idInput.focus();
}

// The ids a route step or an industry may name, offered while typing.
const loadedIds = {};
async function loadIds(kind, datalistId) {
  if (loadedIds[kind]) return;
  try {
    var guides = await api.guides({ kind: kind });
    render(guides.map(function (g) { return html`<option value=${g.id}>${g.title}</option>`; }),
      document.getElementById(datalistId));
    loadedIds[kind] = true;
  } catch (e) { /* only a typing aid */ }
}

document.getElementById("new-guide").addEventListener("click", async function () {
  if (!(await confirmLeave())) return;
  S.guide = null;
  S.creating = false;
  resetWorkingCopy(null);
  selectTab("edit");
  changed();
  emptyState.querySelector("p").textContent = "要新建哪一种指南？";
  document.getElementById("new-chooser").hidden = false;
  emptyState.scrollIntoView({ block: "start" });
});

function drawNewChooser() {
  render(schema.kindNames().map(function (kind) {
    return html`<button type="button" class="btn" data-testid=${"new-" + kind}
      @click=${function () { startCreate(kind, "", ""); }}>新建${schema.kindTitle(kind)}</button>`;
  }), document.getElementById("new-chooser"));
}

// ---------------------------------------------------------------- save / conflict

async function save(baseOverride) {
  if (!S.model) return;
  dropEmptyLines();
  S.saving = true;
  setResult(null, "");
  try {
    if (S.creating) {
      await api.create(S.kind, S.model);
      var newId = S.model.id;
      S.dirty = false;
      Staff.toast("已创建草稿 v1", "ok");
      clearErrors();
      await openGuide(newId, { force: true });
      setResult("ok", "已创建草稿 v1。" + (S.canPublish ? "检查无误后可以发布。" : "请审核员审核发布。"));
    } else {
      var base = baseOverride !== undefined ? baseOverride : S.baseVersion;
      var saved = await api.saveDraft(S.guide.id, base, S.model);
      S.dirty = false;
      var v = saved && (saved.version || (saved.draft && saved.draft.version) || saved.latest_version);
      Staff.toast("已保存草稿" + (v ? " v" + v : ""), "ok");
      clearErrors();
      await openGuide(S.guide.id, { force: true });
      setResult("ok", "已保存草稿" + (v ? " v" + v : "") + "。" + (S.canPublish ? "" : "发布需要审核员操作。"));
    }
    loadList();
  } catch (e) {
    if (e.status === 422) {
      setResult("error", (e.body && typeof e.body.detail === "string" ? e.body.detail : "指南内容有误，请按提示修改") +
        "（共 " + errorsFrom(e).length + " 处）");
      showErrors(e); // after the head has its final height, so the summary is not scrolled under it
    } else if (e.status === 409 && e.body && e.body.theirs) {
      S.conflict = e.body;
      changed();
      conflictBox.scrollIntoView({ block: "start" });
    } else if (e.status === 409 && S.creating) {
      showErrors({ body: { detail: e.detail, errors: [{ field: "id", msg: e.detail }] } });
      setResult("error", e.detail);
    } else if (e.status === 401) {
      // Sending the browser to /login now would throw the edits away; they stay on this page.
      setResult("error", "登录已过期：请在新标签页打开 " + location.origin + "/login 重新登录，再回到本页点“保存草稿”（您的修改仍在本页）");
    } else {
      setResult("error", "保存失败：" + e.detail);
    }
  } finally {
    S.saving = false;
    changed();
  }
}

conflictBox.addEventListener("click", async function (e) {
  var btn = e.target.closest("button[data-cmd]");
  if (!btn || !S.conflict) return;
  var cmd = btn.getAttribute("data-cmd");
  var theirs = S.conflict.theirs;
  if (cmd === "keep-theirs") {
    S.dirty = false;
    await openGuide(S.guide.id, { force: true });
    Staff.toast("已采用 v" + theirs.version + "，您的修改已放弃", "ok");
  } else if (cmd === "overwrite") {
    S.conflict = null;
    changed();
    await save(theirs.version);
  } else if (cmd === "back-to-edit") {
    S.conflict = null;
    changed();
  }
});

// ---------------------------------------------------------------- publish / withdraw / rollback

function failureText(e, what) {
  if (e.status === 503) {
    return what + "失败：" + e.detail + (/原来的版本|原版本|仍使用/.test(e.detail) ? "" : "；线上仍使用原来的版本");
  }
  return what + "失败：" + e.detail;
}

async function publish() {
  if (S.dirty) { Staff.toast("有未保存的修改，请先保存草稿再发布", "error"); return; }
  var v = S.guide.draft && S.guide.draft.version;
  if (!v) return;
  if (!(await confirmBox("发布草稿 v" + v + "？发布后市民即可检索和看到新内容。", "发布"))) return;
  try {
    var r = await api.publish(S.guide.id, v);
    await openGuide(S.guide.id, { force: true });
    setResult("ok", "已发布 v" + (r.published_version || v) + "，约 " + Math.round(r.indexed_ms || 0) + " ms 后可检索");
    Staff.toast("已发布", "ok");
    loadList();
  } catch (e) {
    if (e.status === 422) { setResult("error", "发布失败：" + e.detail); showErrors(e); }
    else setResult("error", failureText(e, "发布"));
  }
}

async function withdraw() {
  if (!(await confirmBox("下线「" + guideTitle(S.model, S.kind) +
    "」？下线后市民将检索不到它，已有版本仍保留，可随时回滚发布。", "下线", true))) return;
  try {
    await api.withdraw(S.guide.id);
    await openGuide(S.guide.id, { force: true });
    setResult("ok", "已下线，市民将检索不到该指南");
    if (!S.model) showEmpty(); // a withdrawn guide has no form and no head: the note goes here
    Staff.toast("已下线", "ok");
    loadList();
  } catch (e) {
    setResult("error", failureText(e, "下线"));
  }
}

async function rollback(version) {
  if (!(await confirmBox("把 v" + version + " 的内容重新发布为新版本？当前线上版本会被替换（仍保留在版本记录里）。", "回滚并发布", true))) return;
  try {
    var r = await api.rollback(S.guide.id, version);
    await openGuide(S.guide.id, { force: true });
    setResult("ok", "已回滚：v" + version + " 的内容已发布" + (r && r.published_version ? "为 v" + r.published_version : "") +
      (r && r.indexed_ms !== undefined ? "，约 " + Math.round(r.indexed_ms) + " ms 后可检索" : ""));
    Staff.toast("已回滚", "ok");
    loadList();
    loadVersions(rollback);
  } catch (e) {
    setResult("error", failureText(e, "回滚"));
    if (S.tab === "versions") loadVersions(rollback);
  }
}

head.addEventListener("click", async function (e) {
  var btn = e.target.closest("[data-cmd]");
  if (!btn) return;
  var cmd = btn.getAttribute("data-cmd");
  if (cmd === "save") save();
  else if (cmd === "publish") publish();
  else if (cmd === "withdraw") withdraw();
  else if (cmd === "wide") {
    var wide = layout.classList.toggle("list-collapsed");
    try { localStorage.setItem("navigator.editor.wide", wide ? "1" : ""); } catch (err) { /* only a preference */ }
    changed();
  } else if (cmd === "show-list") {
    layout.classList.add("list-open");
    document.querySelector(".list-pane").scrollIntoView({ block: "start" });
  } else if (cmd === "revert") {
    if (await confirmBox("放弃所有未保存的修改，恢复到最新保存的版本？", "放弃修改", true)) {
      S.dirty = false;
      await openGuide(S.guide.id, { force: true });
    }
  } else if (cmd === "cancel-create") {
    if (await confirmLeave()) {
      S.creating = false;
      resetWorkingCopy(null);
      setUrl({});
      changed();
      emptyState.querySelector("p").textContent = "请在左侧选择一份指南，或新建一份。";
    }
  }
});

// ---------------------------------------------------------------- tabs

function selectTab(tab) {
  S.tab = tab;
  document.querySelectorAll("#tabs [data-tab]").forEach(function (b) {
    b.setAttribute("aria-selected", b.getAttribute("data-tab") === tab ? "true" : "false");
  });
  ["edit", "versions", "audit"].forEach(function (name) {
    document.getElementById("panel-" + name).hidden = name !== tab;
  });
  if (tab === "versions") loadVersions(rollback);
  if (tab === "audit") loadAudit();
}
document.getElementById("tabs").addEventListener("click", function (e) {
  var b = e.target.closest("[data-tab]");
  if (b) selectTab(b.getAttribute("data-tab"));
});

document.getElementById("list-toggle").addEventListener("click", function () {
  var open = layout.classList.toggle("list-open");
  this.setAttribute("aria-expanded", open ? "true" : "false");
  this.textContent = open ? "收起列表" : "展开列表";
});

window.addEventListener("beforeunload", function (e) {
  if (S.dirty) { e.preventDefault(); e.returnValue = ""; }
});

// ---------------------------------------------------------------- start

try { if (localStorage.getItem("navigator.editor.wide")) layout.classList.add("list-collapsed"); } catch (e) { /* default layout */ }

(async function start() {
  var user = await Staff.requireUser("edit");
  if (!user) return;
  S.user = user;
  S.canPublish = Staff.can(user, "publish");
  Staff.nav(user, "editor");
  try {
    await schema.load();
  } catch (e) {
    Staff.toast("读取指南格式失败：" + e.detail + "，请刷新页面重试", "error");
    return;
  }
  main.hidden = false;
  document.getElementById("import-form").hidden = !S.canPublish;
  drawNewChooser();
  attachList(openGuide);
  attachImport(loadList);
  await loadList();
  var params = new URLSearchParams(location.search);
  var kind = params.get("new");
  if (kind && schema.kindNames().indexOf(kind) >= 0) {
    await startCreate(kind, params.get("title") || "", params.get("alias") || "");
  } else if (params.get("id")) {
    await openGuide(params.get("id"));
  }
})();
