// The server's diff of two versions of a guide (knowledge/editing/diff.py: `changes` field by field
// and the `unified` diff of the YAML files), shown as a table of changed fields and as -/+ lines.

import { html } from "../vendor/lit-html.js";
import * as schema from "./schema.js";

function isScalar(v) { return v === null || typeof v !== "object"; }

// A value for a table cell: words joined by 、; a record (a whole material added or removed) as one
// "title：value" line per field, named by the schema.
export function valueText(kind, path, v, indent) {
  indent = indent || "";
  if (v === null || v === undefined || v === "") return "（空）";
  if (isScalar(v)) return String(v);
  if (Array.isArray(v) && v.every(isScalar)) return v.join("、") || "（空）";
  if (Array.isArray(v)) {
    return v.map(function (x, i) {
      return indent + "第 " + (i + 1) + " 项\n" + valueText(kind, path + "." + i, x, indent + "  ");
    }).join("\n");
  }
  return Object.keys(v).filter(function (k) {
    return v[k] !== null && v[k] !== undefined && v[k] !== "" && !(Array.isArray(v[k]) && !v[k].length);
  }).map(function (k) {
    var sub = path ? path + "." + k : k;
    var inner = valueText(kind, sub, v[k], indent + "  ");
    var title = schema.title(kind, sub);
    return isScalar(v[k]) || v[k].every && v[k].every(isScalar)
      ? indent + title + "：" + inner : indent + title + "：\n" + inner;
  }).join("\n");
}

export function fieldCell(kind, field) {
  return html`<td>${schema.pathLabel(kind, field)}<div class="muted" style="font-size:12px">${field}</div></td>`;
}

// The unified diff with its lines marked: +++/--- file names, @@ positions, added and removed lines.
export function unifiedView(text, testid) {
  var lines = (text || "").replace(/\n$/, "").split("\n");
  return html`<pre class="diff" data-testid=${testid}>${lines.map(function (line) {
    var cls = /^(\+\+\+|---)/.test(line) ? "meta" : line[0] === "+" ? "add" : line[0] === "-" ? "del"
      : line.indexOf("@@") === 0 ? "hunk" : "";
    return html`<span class="line ${cls}">${line || " "}</span>`;
  })}</pre>`;
}

// GET /api/editor/guides/{id}/diff: the versions tab's comparison.
export function versionsDiff(kind, d) {
  var changes = d.changes || [];
  return html`<div class="card" data-testid="diff"><h2>v${d.from} → v${d.to}：${changes.length} 处改动</h2>
    <div class="table-wrap"><table class="data" data-testid="diff-changes"><thead><tr><th>字段</th>
      <th>修改前（v${d.from}）</th><th>修改后（v${d.to}）</th></tr></thead><tbody>
      ${changes.length ? changes.map(function (c) {
        return html`<tr data-field=${c.field}>${fieldCell(kind, c.field)}
          <td class="before">${valueText(kind, c.field, c.before)}</td><td class="after">${valueText(kind, c.field, c.after)}</td></tr>`;
      }) : html`<tr><td colspan="3" class="muted">两个版本内容相同</td></tr>`}
    </tbody></table></div>
    <h3>逐行比较（YAML）</h3>
    ${d.unified ? unifiedView(d.unified, "diff-unified") : html`<p class="muted">没有不同</p>`}</div>`;
}
