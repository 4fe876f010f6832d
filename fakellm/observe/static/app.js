// fakellm's dashboard: plain JavaScript, no build step, no other origin.
// Everything a client sent is shown with textContent, never as HTML.
"use strict";

const KEY_STORE = "fakellm-key";
const MAX_ROWS = 200;
const state = {
  info: null,
  scenario: "",
  key: sessionStorage.getItem(KEY_STORE) || "",
  rows: new Map(), // id -> {tr, data, text}
  selected: null,
  tryTag: "",
  feedAbort: null,
};

function $(id) { return document.getElementById(id); }

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (name === "class") node.className = value;
    else if (name.startsWith("data-")) node.setAttribute(name, value);
    else node[name] = value;
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// --- the key ------------------------------------------------------------------------------------

class KeyNeeded extends Error {}

function authHeaders() {
  return state.key ? { Authorization: "Bearer " + state.key } : {};
}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {}, authHeaders());
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (response.status === 401) {
    askForKey(Boolean(state.key));
    throw new KeyNeeded("key needed");
  }
  return response;
}

function askForKey(refused) {
  $("key-error").hidden = !refused;
  $("key-button").hidden = false;
  const dialog = $("key-dialog");
  if (!dialog.open) dialog.showModal();
}

function setupKey() {
  $("key-form").addEventListener("submit", () => {
    state.key = $("key-input").value.trim();
    sessionStorage.setItem(KEY_STORE, state.key);
    $("key-input").value = "";
    start();
  });
  $("key-button").addEventListener("click", () => askForKey(false));
}

// --- copying ------------------------------------------------------------------------------------

async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch (_) {
    const area = el("textarea", { value: text });
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  button.dataset.copied = text;
  button.classList.add("done");
  button.textContent = "Copied";
  setTimeout(() => { button.classList.remove("done"); button.textContent = "Copy"; }, 1200);
}

function copyButton(getText) {
  const button = el("button", { type: "button", class: "copy" }, "Copy");
  button.addEventListener("click", () => copy(getText(), button));
  return button;
}

// --- Connect ------------------------------------------------------------------------------------

function baseUrl() {
  const root = state.info.root;
  return state.scenario ? root + "/s/" + encodeURIComponent(state.scenario) : root;
}

function fill(template) {
  const info = state.info;
  const model = state.scenario ? "fakellm/" + state.scenario : "gpt-4o-mini";
  const key = info.key_required ? "YOUR_FAKELLM_API_KEY" : "sk-fake";
  return template.replaceAll("{base}", baseUrl()).replaceAll("{model}", model).replaceAll("{key}", key);
}

function fieldRow(name, template, note) {
  const value = el("code", { class: "value" }, fill(template));
  value.dataset.template = template;
  const row = el("div", { class: "field" }, el("span", { class: "name" }, name), value,
    copyButton(() => value.textContent));
  if (note) row.append(el("span", { class: "fnote" }, note));
  return row;
}

function renderConnect() {
  const info = state.info;
  $("version").textContent = info.version;
  $("metrics-link").hidden = !info.metrics;
  $("root-note").hidden = !info.root_note;
  $("root-note").textContent = info.root_note;
  const keyNote = info.key_required
    ? "the key fakellm was started with (--api-key)"
    : "any value works (fakellm was started without --api-key)";

  const platforms = $("platforms");
  platforms.replaceChildren();
  for (const p of info.platforms) {
    const card = el("div", { class: "card platform", "data-name": p.name },
      el("h4", {}, p.name), el("p", { class: "where" }, p.where), el("p", { class: "calls" }, "Calls: " + p.calls));
    for (const f of p.fields) {
      const isKey = f.value === "{key}";
      card.append(fieldRow(f.field, f.value, isKey ? (f.note ? f.note + "; " : "") + keyNote : f.note));
    }
    if (p.note) card.append(el("p", { class: "note" }, p.note));
    platforms.append(card);
  }

  const dialects = $("dialects");
  dialects.replaceChildren();
  for (const d of info.dialects) {
    const card = el("div", { class: "card dialect", "data-name": d.name }, el("h4", {}, d.name));
    card.append(fieldRow("base URL", d.base_url, ""));
    if (d.chat_base && d.chat_base !== d.base_url) card.append(fieldRow("+ /chat/completions", d.chat_base, ""));
    if (d.snippet) {
      const pre = el("pre", { class: "snippet" }, fill(d.snippet));
      pre.dataset.template = d.snippet;
      card.append(el("div", { class: "snippet-block" },
        el("div", { class: "snippet-head" }, el("span", { class: "name" }, "SDK"), copyButton(() => pre.textContent)),
        pre));
    }
    card.append(el("p", { class: "calls" }, "Routes: " + d.routes.join(", ")));
    dialects.append(card);
  }

  const picker = $("scenario");
  const tryScenario = $("try-scenario");
  picker.replaceChildren(el("option", { value: "" }, "(default: " + info.default_scenario + ")"));
  tryScenario.replaceChildren(el("option", { value: "" }, "(default: " + info.default_scenario + ")"));
  for (const s of info.scenarios) {
    picker.append(el("option", { value: s.name }, s.name));
    tryScenario.append(el("option", { value: s.name }, s.name));
  }
  picker.value = state.scenario;
  const tryDialect = $("try-dialect");
  tryDialect.replaceChildren();
  for (const d of info.dialects.filter((d) => d.try)) tryDialect.append(el("option", { value: d.name }, d.name));
  refreshUrls();
}

function refreshUrls() {
  $("base-url").textContent = baseUrl();
  for (const node of document.querySelectorAll("[data-template]")) node.textContent = fill(node.dataset.template);
  const name = state.scenario || state.info.default_scenario;
  const scenario = state.info.scenarios.find((s) => s.name === name);
  $("scenario-description").textContent = scenario ? scenario.description : "";
  const shown = scenario ? { defaults: scenario.defaults, rules: scenario.rules } : {};
  $("scenario-rules-text").textContent = JSON.stringify(shown, null, 2);
}

// --- Live requests --------------------------------------------------------------------------------

function fmtTime(seconds) {
  return new Date(seconds * 1000).toLocaleTimeString([], { hour12: false }) +
    "." + String(Math.floor((seconds % 1) * 1000)).padStart(3, "0");
}

function endedText(d) {
  if (d.ended === "disconnected") {
    return "disconnected at " + d.disconnected_at_ms + " ms after " + d.chunks + " chunks";
  }
  if (d.ended === "fault") return "fault" + (d.fault ? " (" + d.fault + ")" : d.error ? ": " + d.error : "");
  if (d.ended === "error") return "error" + (d.error ? ": " + d.error : "");
  return d.ended;
}

function ensureRow(d) {
  let row = state.rows.get(d.id);
  if (!row) {
    const tr = el("tr", { "data-id": String(d.id) });
    tr.addEventListener("click", () => showDetail(d.id));
    row = { tr, data: d, text: "" };
    state.rows.set(d.id, row);
    const body = $("requests").tBodies[0];
    body.prepend(tr);
    while (body.rows.length > MAX_ROWS) {
      const last = body.rows[body.rows.length - 1];
      state.rows.delete(Number(last.dataset.id));
      last.remove();
    }
  }
  return row;
}

function renderRow(row) {
  const d = row.data;
  const cells = [
    ["id", d.id], ["time", fmtTime(d.time)], ["agent", d.agent], ["dialect", d.dialect],
    ["scenario", d.scenario || ""], ["model", d.model || ""], ["user", d.user],
    ["status", d.status || (d.ended === "pending" ? "…" : "-")],
    ["reply", row.text + (d.tool_calls && d.tool_calls.length ? " [tool: " + d.tool_calls.join(", ") + "]" : "")],
    ["ttft", d.ttft_ms === null || d.ttft_ms === undefined ? "" : d.ttft_ms + " ms"],
    ["ended " + d.ended, endedText(d)],
  ];
  row.tr.replaceChildren(...cells.map(([cls, text]) => el("td", { class: cls }, text)));
  row.tr.dataset.ended = d.ended;
  row.tr.dataset.chunks = String(d.chunks);
}

function onEvent(kind, data) {
  if (kind === "hello") {
    for (const d of data.entries) onEvent("settle", d);
    return;
  }
  if (kind === "chunk") {
    const row = state.rows.get(data.id);
    if (!row) return;
    row.text += data.text;
    row.data.chunks = data.sent;
    row.streamed = true;
    renderRow(row);
    if (state.tryTag && row.data.tag === state.tryTag) $("try-answer").textContent = row.text;
    return;
  }
  const row = ensureRow(data);
  const chunks = row.data.chunks;
  row.data = data;
  if (kind !== "settle" && chunks > data.chunks) row.data.chunks = chunks;
  // A completed reply went out whole: the journal's copy is right even if the page missed its start.
  if (kind === "settle" && data.ended === "completed") row.text = data.reply;
  renderRow(row);
  if (state.tryTag && data.tag === state.tryTag) {
    $("try-answer").textContent = row.text;
    $("try-status").textContent = data.ended === "pending" ? "" : "status " + data.status + ", " + endedText(data);
  }
  if (kind === "settle" && state.selected === data.id) showDetail(data.id);
}

function setFeedState(on) {
  const node = $("feed-state");
  node.className = "state " + (on ? "on" : "off");
  node.textContent = on ? "live" : "offline";
}

async function follow() {
  if (state.feedAbort) state.feedAbort.abort();
  const abort = new AbortController();
  state.feedAbort = abort;
  let delay = 500;
  while (!abort.signal.aborted) {
    try {
      const response = await api("/_fakellm/events", { signal: abort.signal, headers: { Accept: "text/event-stream" } });
      if (!response.ok || !response.body) throw new Error("feed " + response.status);
      setFeedState(true);
      delay = 500;
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let kind = "message";
          const data = [];
          for (const line of block.split("\n")) {
            if (line.startsWith("event: ")) kind = line.slice(7);
            else if (line.startsWith("data: ")) data.push(line.slice(6));
          }
          if (data.length) onEvent(kind, JSON.parse(data.join("\n")));
        }
      }
    } catch (error) {
      if (error instanceof KeyNeeded || abort.signal.aborted) { setFeedState(false); return; }
    }
    setFeedState(false);
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 5000);
  }
}

// --- Request detail -----------------------------------------------------------------------------

function timelineSvg(schedule, sent) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", "timeline");
  svg.setAttribute("viewBox", "0 0 1000 70");
  svg.setAttribute("preserveAspectRatio", "none");
  const end = Math.max(1, ...schedule, ...sent);
  const line = (x, y1, y2, cls) => {
    const node = document.createElementNS(ns, "line");
    for (const [k, v] of Object.entries({ x1: x, x2: x, y1, y2, class: cls })) node.setAttribute(k, v);
    svg.append(node);
  };
  schedule.forEach((t) => line(10 + (t / end) * 980, 8, 30, "due"));
  sent.forEach((t) => line(10 + (t / end) * 980, 38, 60, "sent"));
  const label = (x, y, text) => {
    const node = document.createElementNS(ns, "text");
    node.setAttribute("x", x); node.setAttribute("y", y); node.textContent = text;
    svg.append(node);
  };
  label(12, 8, "due"); label(12, 68, "sent"); label(930, 68, end.toFixed(0) + " ms");
  return svg;
}

async function showDetail(id) {
  state.selected = id;
  for (const tr of $("requests").tBodies[0].rows) tr.classList.toggle("selected", Number(tr.dataset.id) === id);
  let d;
  try {
    const response = await api("/_fakellm/dashboard/requests/" + id);
    if (!response.ok) return;
    d = await response.json();
  } catch (_) { return; }
  $("detail").hidden = false;
  $("detail-id").textContent = "#" + d.id + " " + d.method + " " + d.path + " (" + d.agent + ")";
  const messages = $("detail-messages");
  messages.replaceChildren();
  for (const m of (d.request && d.request.messages) || []) {
    messages.append(el("div", { class: "message" }, el("b", {}, m.role + ": "), m.text));
  }
  $("detail-tools").textContent = d.request && d.request.tools.length
    ? JSON.stringify(d.request.tools, null, 2) : "(none)";
  $("detail-reply").textContent = d.text + (d.tool_calls.length ? "\n\ntool calls: " + JSON.stringify(d.tool_calls, null, 2) : "");
  $("detail-ended").textContent = "status " + d.status + ", " + endedText(d) +
    "\nscenario " + (d.scenario || "-") + ", rule " + (d.rule || "-") +
    "\nTTFT " + (d.ttft_ms ?? "-") + " ms, total " + (d.total_ms ?? "-") + " ms, " + d.chunks + " chunks";
  $("detail-headers").textContent = Object.entries(d.headers).map(([k, v]) => k + ": " + v).join("\n");
  const timeline = $("detail-timeline");
  const { schedule_ms: due, sent_ms: sent } = d.timeline;
  if (sent.length) {
    const rows = sent.map((t, i) => (i + 1) + "\tdue " + (due[i] ?? "-") + " ms\tsent " + t + " ms");
    timeline.replaceChildren(timelineSvg(due.slice(0, sent.length), sent), el("pre", {}, rows.join("\n")));
  } else {
    timeline.replaceChildren(el("p", { class: "note" },
      d.chunks ? "All " + d.chunks + " chunks went out in one write at " + d.ttft_ms + " ms (no latency set)."
        : "Nothing was sent."));
  }
}

// --- Try it and Check -----------------------------------------------------------------------------

async function tryIt(event) {
  event.preventDefault();
  const tag = "try-" + Math.random().toString(36).slice(2);
  state.tryTag = tag;
  $("try-answer").textContent = "";
  $("try-wire").textContent = "";
  $("try-status").textContent = "sending…";
  const params = new URLSearchParams({
    dialect: $("try-dialect").value, scenario: $("try-scenario").value, text: $("try-text").value,
    stream: $("try-stream").checked ? "1" : "0",
  });
  try {
    const sample = await (await api("/_fakellm/dashboard/sample?" + params)).json();
    if (sample.error) { $("try-status").textContent = sample.error.message; return; }
    const headers = { "content-type": "application/json", "x-fakellm-dashboard": tag };
    const key = state.key || "sk-fakellm-dashboard";
    for (const [k, v] of Object.entries(sample.headers)) headers[k] = v.replaceAll("{key}", key);
    const response = await fetch(sample.path, { method: "POST", headers, body: JSON.stringify(sample.body) });
    $("try-wire").textContent = "HTTP " + response.status + " " + (response.headers.get("content-type") || "") + "\n\n";
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      $("try-wire").textContent += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    if (!(error instanceof KeyNeeded)) $("try-status").textContent = "failed: " + error;
  }
}

async function checkIt(event) {
  event.preventDefault();
  const out = $("check-report");
  out.textContent = "checking… (at most a minute)";
  const body = { url: $("check-url").value, api_key: $("check-key").value, model: $("check-model").value };
  try {
    const response = await api("/_fakellm/dashboard/check", {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
    });
    const result = await response.json();
    out.textContent = result.error ? "cannot check: " + result.error.message : result.text;
  } catch (error) {
    if (!(error instanceof KeyNeeded)) out.textContent = "failed: " + error;
  }
}

// --- start ----------------------------------------------------------------------------------------

async function start() {
  let response;
  try {
    response = await api("/_fakellm/dashboard/info");
  } catch (_) { return; }
  if (!response.ok) return;
  state.info = await response.json();
  if ($("key-dialog").open) $("key-dialog").close();
  $("key-button").hidden = !state.info.key_required;
  renderConnect();
  follow();
}

document.addEventListener("DOMContentLoaded", () => {
  setupKey();
  $("scenario").addEventListener("change", (e) => { state.scenario = e.target.value; refreshUrls(); });
  for (const button of document.querySelectorAll("[data-copy-from]")) {
    button.addEventListener("click", () => copy($(button.dataset.copyFrom).textContent, button));
  }
  $("detail-close").addEventListener("click", () => { $("detail").hidden = true; state.selected = null; });
  $("clear-view").addEventListener("click", () => { state.rows.clear(); $("requests").tBodies[0].replaceChildren(); });
  $("try-form").addEventListener("submit", tryIt);
  $("check-form").addEventListener("submit", checkIt);
  start();
});
