// gumd dashboard: every view reads and writes through the /v1 API with the session cookie and the page key
// the login gave this tab (sessionStorage: this origin only); export and deletes first ask the daemon for a
// single-use confirmation, once the user said yes. Data is put into the page as text nodes only, never as HTML.
"use strict";

const KEY = sessionStorage.getItem("gumd.key");
const $ = (sel, root = document) => root.querySelector(sel);
const VIEWS = ["review", "browse", "erase", "capture", "transparency", "export"];
const LAST_VISIT = "gumd.lastVisit";
const previousVisit = Number(localStorage.getItem(LAST_VISIT) || 0);
localStorage.setItem(LAST_VISIT, String(Date.now() / 1000));

class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

const LOGGED_OUT = "This tab has no dashboard session (it ended, or the dashboard was opened in another tab): " +
  "run `gumd dashboard` to log in again.";

// `confirmed`: "export" or "delete" for a request that needs the daemon's single-use confirmation.
async function call(method, path, body, confirmed) {
  if (!KEY) throw new ApiError(401, "session_key", LOGGED_OUT);
  const init = { method, headers: { "X-Gumd-Key": KEY }, credentials: "same-origin" };
  if (confirmed) {
    init.headers["X-Gumd-Confirm"] = (await api("POST", "/dashboard/confirm", { action: confirmed })).token;
  }
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  if (!r.ok) {
    const data = await r.json().catch(() => ({}));
    if (r.status === 401 || data.code === "session_key") notify(LOGGED_OUT, true);
    throw new ApiError(r.status, data.code || "error", data.message || `${method} ${path}: HTTP ${r.status}`);
  }
  return r;
}

async function api(method, path, body, confirmed) {
  return (await call(method, path, body, confirmed)).json().catch(() => ({}));
}

// A route another gumd version may lack (404/405) gets a note instead of an error.
const missingRoute = (e) => e instanceof ApiError && ((e.status === 404 && e.message === "Not Found") || e.status === 405);
const NOT_AVAILABLE = "Not available in this version of gumd.";

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}

let noticeTimer;
function notify(message, isError = false) {
  const n = $("#notice");
  n.textContent = message;
  n.classList.toggle("error", isError);
  n.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { n.hidden = true; }, isError ? 12000 : 5000);
}
const fail = (e) => notify(e.message, true);

const when = (t) => new Date(t * 1000).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
function bytes(n) {
  const units = ["B", "KB", "MB", "GB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}
const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
const query = (params) => new URLSearchParams(Object.entries(params).filter(([, v]) => v !== "" && v != null)).toString();

// ---- propositions -------------------------------------------------------

function badges(p, isNew) {
  return el("div", { class: "meta" },
    el("span", { class: "badge", title: "confidence from 1 to 10" }, `confidence ${p.confidence}/10`),
    p.verdict ? el("span", { class: `badge ${p.verdict}` }, p.verdict) : null,
    p.status !== "active" ? el("span", { class: "badge rejected" }, p.status) : null,
    isNew ? el("span", { class: "badge new" }, "new since your last visit") : null,
    el("span", { class: "muted" }, `version ${p.version} · updated ${when(p.updated_at)}`));
}

function evidenceList(items) {
  if (!items.length) return el("p", { class: "muted" }, "No observations support it any more.");
  return el("ul", { class: "evidence" }, items.map((o) => el("li", {},
    el("div", { class: "where" }, `${o.app || "unknown app"}${o.title ? " · " + o.title : ""} · ${when(o.started_at)}`),
    el("pre", {}, o.text || "(no text read)"))));
}

// Where the sentence's names come from: each entity as the screen showed it, and on which observations.
function groundingView(p) {
  const g = p.grounding;
  if (!g) return null;
  const model = p.model_confidence ? ` · the model itself said ${p.model_confidence}/10` : "";
  return el("section", { class: "grounding" },
    el("h4", {}, "Grounding"),
    el("p", { class: "muted" }, `A ${g.kind} sentence; confidence ${p.confidence}/10 from its evidence${model}.`),
    g.entities.length
      ? el("ul", {}, g.entities.map((e) => el("li", {},
        el("strong", {}, e.text), ` — ${e.kind}${e.cue ? " (" + e.cue + ")" : ""}, seen in observation `
          + e.observation_ids.map((i) => "#" + i).join(", "))))
      : el("p", { class: "muted" }, "It names nothing taken from the screen."));
}

// Confirm, edit, reject, delete: the same actions in the review queue and the detail view.
const ACTIONS = {
  async confirm(p) { await api("POST", `/v1/propositions/${p.id}/confirm`); notify(`Confirmed: ${p.text}`); },
  async reject(p) { await api("POST", `/v1/propositions/${p.id}/reject`); notify(`Rejected: ${p.text}`); },
  async delete(p, withEvidence = false) {
    const what = withEvidence ? "this belief and the observations behind it" : "this belief";
    if (!confirm(`Delete ${what} for good?\n\n${p.text}`)) return false;
    const r = await api("DELETE", `/v1/propositions/${p.id}${withEvidence ? "?with_evidence=true" : ""}`, undefined, "delete");
    notify(`Deleted ${r.deleted} version(s)${withEvidence ? ` and ${r.observations_deleted} observation(s)` : ""}.`);
  },
};

function editForm(p, container, done) {
  const id = `edit-${p.id}`;
  const text = el("textarea", { id: `${id}-text`, required: true }, p.text);
  const conf = el("select", { id: `${id}-conf` },
    [...Array(10)].map((_, i) => el("option", { value: i + 1, selected: i + 1 === p.confidence }, i + 1)));
  const form = el("form", { class: "edit", "aria-label": "Edit this belief" },
    el("div", {}, el("label", { for: text.id }, "What gumd should believe"), text),
    el("div", {}, el("label", { for: conf.id }, "Confidence (1 to 10)"), conf),
    el("div", { class: "actions" },
      el("button", { type: "submit", class: "primary" }, "Save"),
      el("button", { type: "button", onclick: () => done(false) }, "Cancel")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await api("PATCH", `/v1/propositions/${p.id}`, { text: text.value.trim(), confidence: Number(conf.value) });
      notify("Saved.");
      done(true);
    } catch (e) { fail(e); }
  });
  container.append(form);
  text.focus();
}

function actionButtons(p, after, { detail = false } = {}) {
  const run = (name, ...args) => async () => {
    try {
      if ((await ACTIONS[name](p, ...args)) !== false) after(name);
    } catch (e) { fail(e); }
  };
  return el("div", { class: "actions", role: "group", "aria-label": "Your verdict" },
    el("button", { type: "button", class: "primary", "data-action": "confirm", "aria-keyshortcuts": "c", onclick: run("confirm") }, "Confirm"),
    el("button", { type: "button", "data-action": "edit", "aria-keyshortcuts": "e", onclick: () => after("edit") }, "Edit"),
    el("button", { type: "button", "data-action": "reject", "aria-keyshortcuts": "r", onclick: run("reject") }, "Reject"),
    el("button", { type: "button", class: "danger", "data-action": "delete", "aria-keyshortcuts": "d", onclick: run("delete") }, "Delete"),
    detail ? el("button", { type: "button", class: "danger", "data-action": "delete-evidence", onclick: run("delete", true) },
      "Delete with its evidence") : null);
}

// ---- review queue ---------------------------------------------------------

async function loadReview() {
  const list = $("#queue");
  const page = await api("GET", `/v1/propositions?${query({ unreviewed: true, limit: 30 })}`);
  const details = await Promise.all(page.items.map((p) => api("GET", `/v1/propositions/${p.id}`)));
  list.replaceChildren(...details.map(reviewCard));
  $("#queue-empty").hidden = details.length > 0;
  const first = list.querySelector(".card");
  if (first) markCurrent(first, false);
}

function reviewCard(p) {
  const card = el("li", { class: "card", tabindex: "0", "data-id": p.id, "aria-label": p.text });
  const render = () => {
    card.replaceChildren(
      el("p", { class: "text" }, p.text),
      badges(p, p.created_at > previousVisit),
      p.reasoning ? el("p", { class: "reasoning" }, `Why: ${p.reasoning}`) : null,
      el("details", { open: true }, el("summary", {}, `Evidence (${p.evidence.length})`), evidenceList(p.evidence)),
      actionButtons(p, after));
  };
  const after = (name) => {
    if (name === "edit") {
      card.querySelector(".actions").remove();
      editForm(p, card, async (saved) => {
        if (saved) Object.assign(p, await api("GET", `/v1/propositions/${p.id}`));
        render();
        card.focus();
      });
      return;
    }
    const next = card.nextElementSibling || card.previousElementSibling;
    card.remove();
    if (next) markCurrent(next);
    $("#queue-empty").hidden = $("#queue").children.length > 0;
  };
  card.addEventListener("focus", () => markCurrent(card, false));
  render();
  return card;
}

function markCurrent(card, focus = true) {
  document.querySelectorAll("#queue .card.current").forEach((c) => c.classList.remove("current"));
  card.classList.add("current");
  if (focus) card.focus();
}

document.addEventListener("keydown", (ev) => {
  if (location.hash.slice(1) !== "review" && location.hash !== "") return;
  if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.target.closest("input, textarea, select, form")) return;
  const current = $("#queue .card.current");
  if (!current) return;
  const move = { j: current.nextElementSibling, ArrowDown: current.nextElementSibling,
    k: current.previousElementSibling, ArrowUp: current.previousElementSibling };
  if (ev.key in move) {
    if (move[ev.key]) markCurrent(move[ev.key]);
    ev.preventDefault();
    return;
  }
  const action = { c: "confirm", e: "edit", r: "reject", d: "delete" }[ev.key];
  if (action) {
    current.querySelector(`[data-action="${action}"]`)?.click();
    ev.preventDefault();
  }
});

// ---- browse and search ----------------------------------------------------

function dayStart(value, endOfDay = false) {
  if (!value) return "";
  const d = new Date(`${value}T00:00:00`);
  if (endOfDay) d.setDate(d.getDate() + 1);
  return d.getTime() / 1000 - (endOfDay ? 0.001 : 0);
}

async function loadBrowse() {
  const f = $("#search");
  const params = { q: f.q.value.trim(), min_confidence: f.min_confidence.value, status: f.status.value, app: f.app.value,
    since: dayStart(f.since.value), until: dayStart(f.until.value, true), limit: 50 };
  const page = await api("GET", `/v1/propositions?${query(params)}`);
  const list = $("#results");
  list.replaceChildren(...page.items.map((p) => el("li", {},
    el("button", { type: "button", "data-id": p.id, onclick: () => openDetail(p.id) },
      el("span", { class: "badge" }, `${p.confidence}/10`),
      el("span", { class: "t" }, p.text),
      p.verdict ? el("span", { class: `badge ${p.verdict}` }, p.verdict) : null))));
  $("#results-empty").hidden = page.items.length > 0;
}

async function openDetail(id) {
  document.querySelectorAll("#results button[aria-current]").forEach((b) => b.removeAttribute("aria-current"));
  $(`#results button[data-id="${id}"]`)?.setAttribute("aria-current", "true");
  const box = $("#detail");
  let p;
  try { p = await api("GET", `/v1/propositions/${id}`); } catch (e) { fail(e); return; }
  // After a change the list beside the detail is reloaded too, so it shows the proposition as it now stands.
  const reload = (name) => loadBrowse().catch(fail).then(() => name !== "delete" && openDetail(id));
  const after = (name) => {
    if (name === "edit") {
      box.querySelector(".actions").remove();
      editForm(p, box, (saved) => (saved ? reload(name) : openDetail(id)));
      return;
    }
    if (name === "delete") { box.hidden = true; box.replaceChildren(); }
    reload(name);
  };
  box.replaceChildren(
    el("h3", { id: "detail-title" }, p.text),
    badges(p, false),
    p.reasoning ? el("p", { class: "reasoning" }, `Why: ${p.reasoning}`) : null,
    actionButtons(p, after, { detail: true }),
    el("h4", {}, `Version history (${p.history.length})`),
    el("ol", { class: "history" }, p.history.map((v) => el("li", {},
      `v${v.version} · ${when(v.updated_at)} · ${v.confidence}/10 · ${v.status}: `, v.text))),
    groundingView(p),
    el("h4", {}, `Evidence (${p.evidence.length} observations)`),
    evidenceList(p.evidence));
  box.hidden = false;
  box.focus({ preventScroll: true });
}

$("#search").addEventListener("submit", (ev) => { ev.preventDefault(); loadBrowse().catch(fail); });

// ---- erase ----------------------------------------------------------------------

async function forget(form, body, what) {
  const note = form.querySelector(".unavailable");
  if (!confirm(`Forget ${what}? This cannot be undone.`)) return;
  try {
    const r = await api("POST", "/v1/capture/forget", body, "delete");
    note.hidden = true;
    notify(`Forgotten: ${what}${r.observations !== undefined ? ` (${r.observations} observations)` : ""}.`);
    loadApps().catch(fail);
  } catch (e) {
    if (missingRoute(e)) { note.textContent = `${NOT_AVAILABLE} (forgetting needs the daemon's /v1/capture/forget)`; note.hidden = false; }
    else fail(e);
  }
}

$("#forget-range").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const since = new Date($("#r-since").value).getTime() / 1000;
  const until = new Date($("#r-until").value).getTime() / 1000;
  if (!(until > since)) { notify("The end of the range must come after its start.", true); return; }
  forget(ev.target, { since, until }, `everything from ${when(since)} to ${when(until)}`);
});
$("#forget-app").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const app = $("#a-app").value;
  if (app) forget(ev.target, { app }, `everything captured from ${app}`);
});

async function loadApps() {
  const apps = await api("GET", "/v1/apps");
  for (const select of [$("#f-app"), $("#a-app")]) {
    const keep = select.value;
    const options = apps.map((a) => el("option", { value: a.app }, `${a.app} (${plural(a.observations, "observation")})`));
    if (select.id === "f-app") options.unshift(el("option", { value: "" }, "any app"));
    select.replaceChildren(...options);
    if (apps.some((a) => a.app === keep)) select.value = keep;
  }
}

// ---- capture ------------------------------------------------------------------

function showCaptureState(s) {
  const p = $("#capture-state");
  p.className = `state ${s.state}`;
  p.textContent = s.state === "paused"
    ? (s.paused_until ? `Paused until ${when(s.paused_until)}` : "Paused until you resume")
    : s.state === "off" ? "Off: this daemon runs without capture" : "Capturing";
}

async function loadCapture() {
  showCaptureState(await api("GET", "/v1/capture"));
  const st = await api("GET", "/v1/status");
  const obs = Object.values(st.observations || {}).reduce((a, b) => a + b, 0);
  const facts = [["Database on disk", bytes(st.database_bytes || 0)], ["Observations", obs],
    ["Beliefs (active)", st.propositions]];
  for (const [k, v] of Object.entries(st.retention || st.storage || {})) facts.push([k.replace(/_/g, " "), v]);
  $("#storage").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  await loadExclusions();
}

for (const b of document.querySelectorAll("[data-pause]")) {
  b.addEventListener("click", async () => {
    const minutes = b.dataset.pause ? Number(b.dataset.pause) : null;
    try { showCaptureState(await api("POST", "/v1/capture/pause", { minutes })); notify("Capture paused."); } catch (e) { fail(e); }
  });
}
$("#resume").addEventListener("click", async () => {
  try { showCaptureState(await api("POST", "/v1/capture/resume")); notify("Capture resumed."); } catch (e) { fail(e); }
});

function exclusionsMissing() {
  $("#excl-unavailable").textContent = `${NOT_AVAILABLE} Editing the exclusion list needs the daemon's /v1/capture/rules.`;
  $("#excl-unavailable").hidden = false;
  $("#excl-body").hidden = true;
}

async function loadExclusions() {
  let items;
  try { items = (await api("GET", "/v1/capture/rules")).items.filter((x) => x.kind !== "redact"); } catch (e) {
    if (missingRoute(e)) { exclusionsMissing(); return; }
    throw e;
  }
  $("#exclusions").replaceChildren(...items.map((x) => el("li", {},
    el("span", {}, el("span", { class: "badge" }, x.kind === "app" ? "app" : "title"), " ", el("code", {}, x.pattern)),
    el("button", { type: "button", class: "danger", "aria-label": `Remove exclusion ${x.pattern}`,
      onclick: async () => {
        if (!confirm(`Capture what ${x.pattern} keeps out again?`)) return;
        try { await api("DELETE", `/v1/capture/rules/${x.id}`, undefined, "delete"); notify(`Removed ${x.pattern}.`); await loadExclusions(); } catch (e) { fail(e); }
      } }, "Remove"))));
  if (!items.length) $("#exclusions").append(el("li", { class: "muted" }, "No exclusions."));
}

$("#excl-add").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const pattern = $("#x-pattern").value.trim();
  try {
    await api("POST", "/v1/capture/rules", { kind: $("#x-kind").value, pattern });
    $("#x-pattern").value = "";
    notify(`Never captured from now on: ${pattern}`);
    await loadExclusions();
    await checkWindow();
  } catch (e) { if (missingRoute(e)) exclusionsMissing(); else fail(e); }
});

let checkTimer;
async function checkWindow() {
  const app = $("#c-app").value.trim(), title = $("#c-title").value.trim();
  const out = $("#check-result");
  if (!app && !title) { out.textContent = ""; return; }
  try {
    const r = await api("GET", `/v1/capture/check?${query({ app, title })}`);
    const captured = r.captured;
    out.className = `check ${captured ? "yes" : "no"}`;
    out.textContent = captured ? "This window would be captured." :
      `This window would NOT be captured${r.rule ? `: ${r.rule}` : (r.state && r.state !== "capturing" ? ` (capture is ${r.state})` : "")}.`;
  } catch (e) {
    if (missingRoute(e)) { out.className = "check"; out.textContent = NOT_AVAILABLE; } else fail(e);
  }
}
for (const input of [$("#c-app"), $("#c-title")]) {
  input.addEventListener("input", () => { clearTimeout(checkTimer); checkTimer = setTimeout(checkWindow, 250); });
}
$("#excl-check").addEventListener("submit", (ev) => { ev.preventDefault(); checkWindow(); });

// ---- transparency -------------------------------------------------------------

async function loadTransparency() {
  const audit = await api("GET", "/v1/audit?limit=200");
  $("#audit tbody").replaceChildren(...audit.items.slice(0, 25).map((a) => el("tr", {},
    el("td", {}, when(a.at)), el("td", {}, a.client), el("td", {}, el("code", {}, `${a.method} ${a.route}`)),
    el("td", {}, a.status))));
  const byClient = new Map();
  for (const a of audit.items) {
    const c = byClient.get(a.client) || { n: 0, last: 0 };
    byClient.set(a.client, { n: c.n + 1, last: Math.max(c.last, a.at) });
  }
  $("#clients").replaceChildren(...[...byClient].map(([name, c]) =>
    el("li", {}, el("strong", {}, name), ` · ${c.n} requests, last ${when(c.last)}`)));
  const box = $("#prediction");
  try {
    const p = await api("GET", "/v1/predictions/next");
    const top = p.actions?.[0];
    const rate = p.hit_rate ?? p.accuracy;
    box.replaceChildren(...(top ? [
      el("p", { class: "state" }, top.caption),
      el("p", {}, `Confidence ${Math.round(top.confidence * 100)}%`),
      p.reasoning ? el("p", { class: "muted" }, `Why: ${p.reasoning}`) : null,
      rate != null ? el("p", {}, `Right ${Math.round(rate * 100)}% of the time so far`) : null,
    ].filter(Boolean) : [el("p", { class: "state" }, "No guess yet")]));
  } catch (e) {
    box.replaceChildren(el("p", { class: "unavailable" }, e.status === 503 || missingRoute(e)
      ? `${NOT_AVAILABLE} This daemon runs no next-action predictor.` : e.message));
  }
}

$("#export").addEventListener("click", async () => {
  if (!confirm("Download everything gumd holds about you as one JSON file?")) return;
  try {
    const blob = await (await call("GET", "/v1/export", undefined, "export")).blob();
    const link = el("a", { href: URL.createObjectURL(blob), download: "gumd-export.json", hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
    notify("Export downloaded.");
  } catch (e) { fail(e); }
});

$("#logout").addEventListener("click", async () => {
  try { await api("POST", "/dashboard/logout"); sessionStorage.removeItem("gumd.key"); location.reload(); } catch (e) { fail(e); }
});

// ---- views ----------------------------------------------------------------------

const LOADERS = { review: loadReview, browse: loadBrowse, capture: loadCapture, transparency: loadTransparency,
  erase: loadApps, export: async () => {} };

function show() {
  const view = VIEWS.includes(location.hash.slice(1)) ? location.hash.slice(1) : "review";
  for (const v of VIEWS) $(`#view-${v}`).hidden = v !== view;
  document.querySelectorAll("nav a").forEach((a) => {
    if (a.dataset.view === view) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  });
  document.title = `gumd: ${$(`#h-${view}`).textContent}`;
  document.body.dataset.view = view;
  return LOADERS[view]().catch(fail);
}

window.addEventListener("hashchange", () => {
  show().then(() => {
    document.body.dataset.ready = "1";
    window.scrollTo(0, 0);
    $("#main").focus({ preventScroll: true });
  });
});
$("#f-conf").append(...[...Array(10)].map((_, i) => el("option", { value: i + 1 }, i + 1)));
loadApps().catch(fail);
api("GET", "/v1/status").then((st) => {
  const obs = Object.values(st.observations || {}).reduce((a, b) => a + b, 0);
  $("#summary").textContent = `${plural(st.propositions, "belief")} from ${plural(obs, "observation")}`;
}).catch(fail);
show().then(() => { document.body.dataset.ready = "1"; });
