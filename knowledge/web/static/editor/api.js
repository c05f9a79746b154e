// The editor API (/api/editor/…, knowledge/api/routes/editor.py and guide_schema.py), through the
// staff shell's JSON call (static/staff.js: Staff.api throws Staff.ApiError{status, detail, body}).

const api = window.Staff.api;

export function guideUrl(id) { return "/api/editor/guides/" + encodeURIComponent(id); }

export const schema = () => api("/api/editor/schema");
export function guides(filters) {
  var params = new URLSearchParams();
  Object.keys(filters || {}).forEach(function (k) { if (filters[k]) params.set(k, filters[k]); });
  return api("/api/editor/guides" + (params.toString() ? "?" + params : ""));
}
export const guide = (id) => api(guideUrl(id));
export const create = (kind, data) => api("/api/editor/guides", { method: "POST", body: { kind: kind, data: data } });
export const saveDraft = (id, base, data) =>
  api(guideUrl(id) + "/draft", { method: "PUT", body: { base_version: base, data: data } });
export const publish = (id, version) => api(guideUrl(id) + "/publish", { method: "POST", body: { version: version } });
export const withdraw = (id) => api(guideUrl(id) + "/withdraw", { method: "POST" });
export const rollback = (id, version) => api(guideUrl(id) + "/rollback", { method: "POST", body: { version: version } });
export const versions = (id) => api(guideUrl(id) + "/versions");
export const diff = (id, from, to) =>
  api(guideUrl(id) + "/diff?from=" + encodeURIComponent(from) + "&to=" + encodeURIComponent(to));
export function audit(guideId) {
  return api("/api/editor/audit?limit=200" + (guideId ? "&guide_id=" + encodeURIComponent(guideId) : ""));
}
export const importZip = (formData) => api("/api/editor/import", { method: "POST", body: formData });
