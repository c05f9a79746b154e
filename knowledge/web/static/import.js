// 导入办事指南: upload a centre's own files, follow the background job, review the drafts it made
// (recognised fields, text kept in notes, errors by field, the diff against an existing guide),
// correct them, and store or publish the clean ones in one action. Talks to /api/imports only.
// Everything from a document is shown with textContent / esc(): never as markup.

const Staff = window.Staff;
const esc = Staff.esc;
const $ = (id) => document.getElementById(id);
const POLL_MS = 700;

const STATUS = { queued: "排队中", running: "进行中", done: "已完成", cancelled: "已取消", failed: "失败",
  storing: "正在存入", publishing: "正在发布" };
const DRAFT_STATUS = { stored: "已存为草稿", published: "已发布", discarded: "已舍弃" };
const TYPES = ["行政许可", "公共服务", "备案", "行政确认", "行政登记", "行政给付", "其他行政权力"];
// Error fields an editor can fix in place; anything else is corrected in the JSON below.
const FIXABLE = /^(name|code|type|department|summary|time_limit\.(statutory_days|promised_days|visits)|place\.(address|hours|phone|window)|result\.name|fee\.standard|materials\.\d+\.(deferral_days|condition|name))$/;
const NUMERIC = /(days|visits)$/;

let user = null;
let fields = [];
let jobId = null;
let pollTimer = null;
let drafts = [];
let current = null; // the draft shown in detail
let awaitingTake = false; // a store/publish this page started: say how it went when the job is done

function getPath(data, path) {
  return path.split(".").reduce((o, k) => (o == null ? undefined : o[k]), data);
}

function setPath(data, path, value) {
  const keys = path.split(".");
  let o = data;
  keys.slice(0, -1).forEach((k, i) => {
    if (o[k] == null) o[k] = /^\d+$/.test(keys[i + 1]) ? [] : {};
    o = o[k];
  });
  o[keys[keys.length - 1]] = value;
}

function show(value) {
  if (value === null || value === undefined || value === "") return "（空）";
  return typeof value === "string" ? value : JSON.stringify(value, null, 0);
}

// ---- jobs -----------------------------------------------------------------------------------------

async function loadJobs(selectId) {
  const jobs = await Staff.api("/api/imports?limit=30");
  const select = $("job-select");
  select.innerHTML = jobs.length ? "" : '<option value="">（还没有导入任务）</option>';
  for (const j of jobs) {
    const opt = document.createElement("option");
    opt.value = j.id;
    opt.textContent = `${Staff.time(j.created_at)} · ${j.files.slice(0, 2).join("、")}${j.files.length > 2 ? " 等" : ""} · ${STATUS[j.status] || j.status}`;
    select.appendChild(opt);
  }
  const wanted = selectId || new URLSearchParams(location.search).get("job") || (jobs[0] && jobs[0].id);
  if (wanted) {
    select.value = wanted;
    await openJob(wanted);
  }
}

async function openJob(id) {
  jobId = id;
  const url = new URL(location.href);
  url.searchParams.set("job", id);
  history.replaceState(null, "", url); // a reload comes back to this job
  clearTimeout(pollTimer);
  await refreshJob();
}

async function refreshJob() {
  if (!jobId) return;
  let job;
  try {
    job = await Staff.api(`/api/imports/jobs/${encodeURIComponent(jobId)}`);
  } catch (e) {
    $("job").textContent = e.detail;
    return;
  }
  renderJob(job);
  if (["queued", "running", "storing", "publishing"].includes(job.status)) {
    pollTimer = setTimeout(refreshJob, POLL_MS);
  } else {
    if (awaitingTake && job.report && job.report.taken) {
      awaitingTake = false;
      Staff.toast(job.message || "", job.report.taken.error ? "error" : "ok");
    }
    await loadDrafts();
    if (current) await openDraft(current.id);
  }
}

function renderJob(job) {
  const box = $("job");
  const running = job.status === "queued" || job.status === "running";
  const taken = job.report && job.report.taken;
  const pct = Math.round((job.progress || 0) * 100);
  box.innerHTML = `
    <p style="margin:6px 0"><span class="badge ${job.status === "done" ? "ok" : job.status === "failed" ? "warn" : "muted"}"
       data-testid="job-status">${esc(STATUS[job.status] || job.status)}</span>
       <span data-testid="job-message">${esc(job.message || "")}</span></p>
    <div class="progress-row"><progress max="100" value="${pct}" data-testid="job-progress"></progress><span>${pct}%</span></div>
    <p class="bulk">${running ? '<button type="button" class="btn danger small" data-testid="job-cancel">取消导入</button>' : ""}
      <a class="btn small" href="/api/imports/jobs/${encodeURIComponent(job.id)}/report.xlsx" download data-testid="job-report">下载导入报告</a></p>
    ${taken && !taken.error && job.status === "done" ? `<p class="muted" data-testid="job-taken">上次${taken.action === "publish" ? "发布" : "存入"}：${Staff.time(taken.at)}，${taken.action === "publish" ? taken.published.length : taken.stored.length} 份，未处理 ${taken.skipped.length} 份</p>` : ""}
    <div id="file-reports"></div>`;
  const cancel = box.querySelector("[data-testid=job-cancel]");
  if (cancel) cancel.addEventListener("click", () => cancelJob(job.id));
  const reports = box.querySelector("#file-reports");
  for (const f of (job.report && job.report.files) || []) {
    const div = document.createElement("div");
    div.className = "file-report" + (f.refused ? " refused" : "");
    div.setAttribute("data-testid", "file-report");
    const head = document.createElement("strong");
    head.textContent = f.file;
    div.appendChild(head);
    const line = document.createElement("div");
    line.textContent = f.refused ? `未导入：${f.refused}`
      : `识别出 ${f.guides} 份指南，生成 ${f.drafts} 份草稿（可直接发布 ${f.clean}，有错误 ${f.with_errors}，更新已有指南 ${f.updates}）`;
    div.appendChild(line);
    const items = [...(f.notices || []), ...(f.duplicates || [])];
    if (items.length) {
      const ul = document.createElement("ul");
      for (const t of items) { const li = document.createElement("li"); li.textContent = t; ul.appendChild(li); }
      div.appendChild(ul);
    }
    if (f.unknown_headers && f.unknown_headers.length && !running) div.appendChild(mappingForm(f.unknown_headers));
    reports.appendChild(div);
  }
}

function mappingForm(headers) {
  const form = document.createElement("form");
  form.setAttribute("data-testid", "mapping-form");
  form.innerHTML = '<p style="margin:6px 0 2px">这些列没有认出来，内容已保留在“其他说明”中。指定它们对应的字段（只需指定一次，以后的导入都会沿用）：</p>';
  headers.forEach((h, i) => {
    const row = document.createElement("div");
    row.className = "fix-row";
    const label = document.createElement("label");
    label.textContent = h;
    const select = document.createElement("select");
    select.id = `map-${i}-${Math.random().toString(36).slice(2, 8)}`;
    label.htmlFor = select.id;
    select.dataset.header = h;
    select.innerHTML = '<option value="">保留在其他说明中</option>' +
      fields.map((f) => `<option value="${esc(f.key)}">${esc(f.name)}</option>`).join("");
    row.append(label, select);
    form.appendChild(row);
  });
  const button = document.createElement("button");
  button.type = "submit";
  button.className = "btn small";
  button.textContent = "保存对应关系并重新识别";
  form.appendChild(button);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const mapping = {};
    form.querySelectorAll("select").forEach((s) => { if (s.value) mapping[s.dataset.header] = s.value; });
    try {
      if (Object.keys(mapping).length) await Staff.api("/api/imports/headers", { method: "PUT", body: { mapping } });
      await Staff.api(`/api/imports/jobs/${encodeURIComponent(jobId)}/rerun`, { method: "POST" });
      Staff.toast("已保存，正在重新识别");
      await refreshJob();
    } catch (e) { Staff.toast(e.detail, "error"); }
  });
  return form;
}

async function cancelJob(id) {
  try {
    await Staff.api(`/api/imports/jobs/${encodeURIComponent(id)}/cancel`, { method: "POST" });
    Staff.toast("正在取消；已生成的草稿会保留");
  } catch (e) { Staff.toast(e.detail, "error"); }
}

async function upload(ev) {
  ev.preventDefault();
  const input = $("upload-files");
  if (!input.files.length) { Staff.toast("请先选择文件", "error"); return; }
  const body = new FormData();
  for (const f of input.files) body.append("files", f, f.name);
  const button = ev.target.querySelector("[type=submit]");
  button.disabled = true;
  try {
    const job = await Staff.api("/api/imports", { method: "POST", body });
    input.value = "";
    await loadJobs(job.id);
  } catch (e) {
    Staff.toast(e.detail, "error");
  } finally {
    button.disabled = false;
  }
}

// ---- drafts ---------------------------------------------------------------------------------------

function draftState(d) {
  if (d.status !== "pending") return [DRAFT_STATUS[d.status] || d.status, "published"];
  if (d.duplicate_of) return ["重复", "warn"];
  if (d.errors.length) return [`${d.errors.length} 处错误`, "warn"];
  return [d.match_id ? "可发布（更新已有指南）" : "可发布", "ok"];
}

async function loadDrafts() {
  drafts = await Staff.api(`/api/imports/jobs/${encodeURIComponent(jobId)}/drafts`);
  const body = document.querySelector("[data-testid=drafts] tbody");
  body.innerHTML = "";
  for (const d of drafts) {
    const [text, cls] = draftState(d);
    const tr = document.createElement("tr");
    tr.dataset.id = d.id;
    tr.setAttribute("data-testid", "draft-row");
    if (current && current.id === d.id) tr.setAttribute("aria-selected", "true");
    tr.innerHTML = `<td><a href="#" class="open"></a><div class="sub"></div></td><td class="sub"></td>
      <td><span class="badge ${cls}" data-testid="draft-state">${esc(text)}</span></td>`;
    tr.querySelector("a").textContent = d.title;
    tr.querySelector("td .sub").textContent = d.match_id ? `更新 ${d.match_id}` : `新建 ${d.guide_id}`;
    tr.children[1].textContent = `${d.file} · ${d.locator}`;
    tr.querySelector("a").addEventListener("click", (ev) => { ev.preventDefault(); openDraft(d.id); });
    body.appendChild(tr);
  }
  const ready = drafts.filter((d) => d.status === "pending" && !d.errors.length && !d.duplicate_of).length;
  const pending = drafts.filter((d) => d.status === "pending").length;
  const bulk = $("bulk");
  bulk.innerHTML = `<span class="muted">共 ${drafts.length} 份，待处理 ${pending} 份，其中可发布 ${ready} 份</span>`;
  if (ready) {
    if (Staff.can(user, "publish")) {
      bulk.insertAdjacentHTML("beforeend", `<button type="button" class="btn primary small" data-testid="publish-ready">发布全部可发布的（${ready}）</button>`);
    }
    bulk.insertAdjacentHTML("beforeend", `<button type="button" class="btn small" data-testid="store-ready">全部存为指南草稿（${ready}）</button>`);
  }
  const pub = bulk.querySelector("[data-testid=publish-ready]");
  if (pub) pub.addEventListener("click", () => take("publish"));
  const st = bulk.querySelector("[data-testid=store-ready]");
  if (st) st.addEventListener("click", () => take("store"));
}

async function take(action) {
  const buttons = $("bulk").querySelectorAll("button");
  buttons.forEach((b) => { b.disabled = true; });
  try {
    await Staff.api(`/api/imports/jobs/${encodeURIComponent(jobId)}/${action}`, { method: "POST", body: {} });
    awaitingTake = true;
    clearTimeout(pollTimer);
    await refreshJob();
  } catch (e) {
    Staff.toast(e.detail, "error");
    buttons.forEach((b) => { b.disabled = false; });
  }
}

async function openDraft(id) {
  try {
    current = await Staff.api(`/api/imports/drafts/${id}`);
  } catch (e) { Staff.toast(e.detail, "error"); return; }
  document.querySelectorAll("[data-testid=draft-row]").forEach((tr) =>
    tr.toggleAttribute("aria-selected", Number(tr.dataset.id) === id));
  renderDraft(current);
}

function section(title, testid) {
  const s = document.createElement("div");
  s.setAttribute("data-testid", testid);
  const h = document.createElement("h3");
  h.textContent = title;
  s.appendChild(h);
  return s;
}

function renderDraft(d) {
  const box = $("detail");
  box.hidden = false;
  box.innerHTML = "";
  const head = document.createElement("h2");
  head.style.marginTop = "0";
  head.textContent = d.title;
  const meta = document.createElement("p");
  meta.className = "muted";
  meta.textContent = `${d.file} · ${d.locator} · ${d.match_id ? `更新已有指南 ${d.match_id}（按${d.match_by === "code" ? "事项编码" : "名称"}匹配）` : `新建指南 ${d.guide_id}`}`;
  box.append(head, meta);
  const editable = d.status === "pending";

  if (d.errors.length) {
    const s = section(`发布前需要改正（${d.errors.length}）`, "draft-errors");
    const form = document.createElement("form");
    for (const e of d.errors) {
      const row = document.createElement("div");
      row.className = "fix-row";
      const label = document.createElement("label");
      label.textContent = e.name || e.field;
      const right = document.createElement("div");
      const msg = document.createElement("div");
      msg.className = "field-error";
      msg.setAttribute("data-testid", "draft-error");
      msg.textContent = e.msg;
      right.appendChild(msg);
      if (editable && FIXABLE.test(e.field)) {
        let input;
        if (e.field === "type") {
          input = document.createElement("select");
          input.innerHTML = '<option value="">请选择</option>' + TYPES.map((t) => `<option>${t}</option>`).join("");
        } else {
          input = document.createElement("input");
          if (NUMERIC.test(e.field)) { input.type = "number"; input.min = "0"; }
        }
        const v = getPath(d.data, e.field);
        if (v !== undefined && v !== null) input.value = v;
        input.dataset.path = e.field;
        input.setAttribute("aria-label", `${e.name || e.field}：${e.msg}`);
        right.appendChild(input);
      }
      row.append(label, right);
      form.appendChild(row);
    }
    if (editable && form.querySelector("[data-path]")) {
      const b = document.createElement("button");
      b.type = "submit"; b.className = "btn small primary"; b.textContent = "保存改正";
      b.setAttribute("data-testid", "fix-save");
      form.appendChild(b);
      form.addEventListener("submit", (ev) => {
        ev.preventDefault();
        const data = structuredClone(d.data);
        form.querySelectorAll("[data-path]").forEach((i) => {
          if (i.value === "") return;
          setPath(data, i.dataset.path, NUMERIC.test(i.dataset.path) ? Number(i.value) : i.value);
        });
        saveDraft(d, data);
      });
    }
    s.appendChild(form);
    box.appendChild(s);
  }

  if (d.changes) {
    const s = section(`与线上版本（版本 ${d.compared_with}）相比的改动（${d.changes.length}）`, "draft-diff");
    const t = document.createElement("table");
    t.className = "data changes";
    t.innerHTML = "<thead><tr><th>字段</th><th>原来</th><th>导入后</th></tr></thead><tbody></tbody>";
    for (const c of d.changes) {
      const tr = document.createElement("tr");
      tr.innerHTML = '<td></td><td class="before"></td><td class="after"></td>';
      tr.children[0].textContent = c.field;
      tr.children[1].textContent = show(c.before);
      tr.children[2].textContent = show(c.after);
      t.tBodies[0].appendChild(tr);
    }
    if (!d.changes.length) s.appendChild(document.createTextNode("内容与线上版本相同。"));
    else s.appendChild(t);
    box.appendChild(s);
  }

  const rec = section(`识别出的字段（${d.recognised.length}）`, "draft-recognised");
  const rt = document.createElement("table");
  rt.className = "data";
  rt.innerHTML = "<thead><tr><th>字段</th><th>原文标签</th><th>原文</th></tr></thead><tbody></tbody>";
  for (const r of d.recognised) {
    const tr = document.createElement("tr");
    tr.innerHTML = "<td></td><td class='muted'></td><td></td>";
    tr.children[0].textContent = r.name;
    tr.children[1].textContent = r.label;
    tr.children[2].textContent = r.value;
    rt.tBodies[0].appendChild(tr);
  }
  rec.appendChild(rt);
  box.appendChild(rec);

  const notes = section("未归入字段的原文（保留在“其他说明”中）", "draft-notes");
  const pre = document.createElement("div");
  pre.className = "notes-text";
  pre.textContent = d.notes || "（无：全部内容都已归入字段）";
  notes.appendChild(pre);
  box.appendChild(notes);

  if (editable && d.aliases_proposed.length) {
    const s = section("文档中出现的其他叫法（勾选后作为别名）", "draft-aliases");
    const form = document.createElement("form");
    for (const a of d.aliases_proposed) {
      const l = document.createElement("label");
      l.className = "check";
      const c = document.createElement("input");
      c.type = "checkbox"; c.value = a;
      l.append(c, document.createTextNode(" " + a));
      form.appendChild(l);
    }
    const b = document.createElement("button");
    b.type = "submit"; b.className = "btn small"; b.textContent = "采用勾选的别名";
    form.appendChild(b);
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const chosen = [...form.querySelectorAll("input:checked")].map((i) => i.value);
      if (!chosen.length) return;
      const data = structuredClone(d.data);
      data.aliases = [...new Set([...(data.aliases || []), ...chosen])];
      saveDraft(d, data);
    });
    s.appendChild(form);
    box.appendChild(s);
  }

  if (editable) {
    const s = section("全部内容（JSON，高级）", "draft-json");
    const ta = document.createElement("textarea");
    ta.className = "json";
    ta.value = JSON.stringify(d.data, null, 2);
    ta.setAttribute("aria-label", "草稿的全部内容（JSON）");
    const row = document.createElement("p");
    row.className = "bulk";
    row.innerHTML = '<button type="button" class="btn small">保存 JSON</button>' +
      '<button type="button" class="btn small danger" data-testid="draft-discard">舍弃这份草稿</button>';
    row.children[0].addEventListener("click", () => {
      let data;
      try { data = JSON.parse(ta.value); } catch (e) { Staff.toast("JSON 格式有误：" + e.message, "error"); return; }
      saveDraft(d, data);
    });
    row.children[1].addEventListener("click", () => discard(d));
    s.append(ta, row);
    box.appendChild(s);
  }
}

async function saveDraft(d, data) {
  try {
    current = await Staff.api(`/api/imports/drafts/${d.id}`, { method: "PUT", body: { data } });
    Staff.toast(current.errors.length ? `已保存，还有 ${current.errors.length} 处需要改正` : "已保存，可以发布", current.errors.length ? "" : "ok");
    renderDraft(current);
    await loadDrafts();
  } catch (e) { Staff.toast(e.detail, "error"); }
}

async function discard(d) {
  if (!confirm(`舍弃「${d.title}」这份导入草稿？`)) return;
  try {
    await Staff.api(`/api/imports/drafts/${d.id}/discard`, { method: "POST" });
    $("detail").hidden = true;
    current = null;
    await loadDrafts();
  } catch (e) { Staff.toast(e.detail, "error"); }
}

// ---- start ----------------------------------------------------------------------------------------

async function start() {
  user = await Staff.requireUser("edit");
  if (!user) return;
  Staff.nav(user, "editor");
  $("import-main").hidden = false;
  $("upload-form").addEventListener("submit", upload);
  $("job-select").addEventListener("change", (ev) => { if (ev.target.value) openJob(ev.target.value); });
  try {
    const info = await Staff.api("/api/imports/fields");
    fields = info.fields;
    $("limits").textContent = `每个文件最多 ${info.limits.file}，每次上传最多 ${info.limits.upload}。`;
    await loadJobs();
  } catch (e) { Staff.toast(e.detail, "error"); }
}

start();
