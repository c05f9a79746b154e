// Importing a zip of guide files (reviewers): the counts, and every problem by file and field.

import { html, render } from "../vendor/lit-html.js";
import * as api from "./api.js";

function count(x) {
  if (Array.isArray(x)) {
    return x.length + (x.length ? "（" + x.map(function (g) { return typeof g === "object" ? g.id || JSON.stringify(g) : g; }).join("、") + "）" : "");
  }
  return x === undefined || x === null ? 0 : x;
}

function resultView(r, failure) {
  var errors = r.errors || [];
  return html`${failure ? html`<div class="error-text">${failure}</div>` : ""}
    新建 <strong data-testid="import-created">${count(r.created)}</strong>，
    更新 <strong data-testid="import-updated">${count(r.updated)}</strong>，
    未变 <strong data-testid="import-unchanged">${count(r.unchanged)}</strong>，
    错误 <strong data-testid="import-errors">${errors.length}</strong>
    ${errors.length ? html`<ul>${errors.map(function (er) {
      return html`<li>${typeof er === "string" ? er
        : [er.file || er.id || er.guide_id, er.field, er.msg || er.detail].filter(Boolean).join("：")}</li>`;
    })}</ul>` : ""}
    ${r.published && r.published.length ? html`<div>已发布：${r.published.join("、")}</div>` : ""}`;
}

export function attachImport(afterImport) {
  document.getElementById("import-form").addEventListener("submit", async function (e) {
    e.preventDefault();
    var file = document.getElementById("import-file").files[0];
    var out = document.querySelector("[data-testid=import-result]");
    if (!file) { render(html`<span class="error-text">请选择要导入的 zip 文件</span>`, out); return; }
    var fd = new FormData();
    fd.append("file", file);
    fd.append("publish", document.getElementById("import-publish").checked ? "true" : "false");
    var submit = this.querySelector("button[type=submit]");
    submit.disabled = true;
    render(html`正在导入…`, out);
    try {
      var r = await api.importZip(fd);
      render(resultView(r), out);
      window.Staff.toast("导入完成", (r.errors || []).length ? "error" : "ok");
      afterImport();
    } catch (err) {
      // 422: nothing was imported; the body lists every problem by file and field.
      if (err.body && Array.isArray(err.body.errors)) {
        render(resultView(err.body, err.detail), out);
        window.Staff.toast("导入失败", "error");
      } else {
        render(html`<span class="error-text">导入失败：${err.detail}</span>`, out);
      }
    }
    submit.disabled = false;
  });
}
