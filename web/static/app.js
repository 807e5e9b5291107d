/* contact-wfm page scripts: job polling and charts (Chart.js, vendored). No CDN. */
"use strict";

const COLOURS = ["#1f77b4", "#2ca02c", "#9467bd", "#d62728", "#ff7f0e", "#8c564b"];
/* the same colour for a channel everywhere (the roster grid's borders use these too) */
const CHANNEL_COLOURS = { voice: "#1f77b4", chat: "#2ca02c", email: "#9467bd" };

function channelColour(name, i) {
  return CHANNEL_COLOURS[name] || COLOURS[(i + 3) % COLOURS.length];
}

function csrfToken() {
  const m = document.querySelector('meta[name="csrf-token"]');
  return m ? m.content : "";
}

async function getJSON(url) {
  const r = await fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" });
  if (!r.ok) throw new Error(url + ": " + r.status);
  return r.json();
}

function fmt(x, digits) {
  return x === null || x === undefined ? "-" : Number(x).toFixed(digits);
}

/* Poll a job every second; update the bar and figures; go to the result when it succeeds. */
function pollJob(id) {
  const bar = document.getElementById("job-bar");
  const status = document.getElementById("job-status");
  const message = document.getElementById("job-message");
  const obj = document.getElementById("job-objective");
  const bound = document.getElementById("job-bound");
  const link = document.getElementById("job-result");
  const cancel = document.getElementById("job-cancel");
  async function tick() {
    let j;
    try { j = await getJSON("/api/jobs/" + id); } catch (e) { setTimeout(tick, 2000); return; }
    bar.style.width = Math.round(100 * j.progress) + "%";
    status.textContent = (j.status_label || j.status) + (j.cancel_requested && !j.done ? " " + t("(cancelling)") : "");
    status.className = "badge " + j.status;
    message.textContent = j.message_label || j.message || "";
    if (obj) obj.textContent = fmt(j.objective, 1);
    if (bound) bound.textContent = fmt(j.bound, 1);
    if (j.done) {
      if (cancel) cancel.hidden = true;
      if (j.result_url) {
        link.href = j.result_url; link.hidden = false;
        if (j.status === "succeeded") { window.location.assign(j.result_url); }
      }
      return;
    }
    setTimeout(tick, 1000);
  }
  tick();
}

/* The chart labels in the page's language (base.html's #i18n-strings, filled by gettext). */
let STRINGS = null;
function t(text) {
  if (STRINGS === null) {
    const el = document.getElementById("i18n-strings");
    STRINGS = el ? JSON.parse(el.textContent) : {};
  }
  return STRINGS[text] || text;
}

/* Right to left: a time axis reads right to left, its value axis on the right. */
function isRTL() { return document.documentElement.dir === "rtl"; }

function lineChart(canvas, labels, datasets, options) {
  const rtl = isRTL();
  const opts = Object.assign({}, options || {});
  const scales = Object.assign({ x: { ticks: { maxTicksLimit: 14, autoSkip: true } } }, opts.scales || {});
  scales.x = Object.assign({}, scales.x, { reverse: rtl });
  scales.x.ticks = Object.assign({}, scales.x.ticks || {}, localisedTimeAxis(labels).ticks);
  const tooltip = { callbacks: { title: (items) => items.length ? axisLabel(items[0].label, true) : "" } };
  if (rtl) {
    scales.y = Object.assign({}, scales.y || {}, { position: "right" });
    if (scales.sl) scales.sl = Object.assign({}, scales.sl, { position: "left" });
  }
  opts.scales = scales;
  const plugins = Object.assign({}, opts.plugins || {});
  plugins.legend = Object.assign({ position: "bottom", rtl: rtl }, plugins.legend || {});
  plugins.tooltip = Object.assign({ rtl: rtl }, tooltip, plugins.tooltip || {});
  opts.plugins = plugins;
  return new Chart(canvas, {
    type: "line",
    data: { labels: labels, datasets: datasets },
    options: Object.assign({
      animation: false, responsive: true, maintainAspectRatio: false, parsing: true,
      interaction: { mode: "index", intersect: false },
      elements: { point: { radius: 0 }, line: { borderWidth: 1.5 } },
      locale: document.documentElement.lang || "en",
    }, opts),
  });
}

async function historyChart(canvas, id) {
  const d = await getJSON("/api/history/" + id + "/chart?weeks=4");
  const sets = Object.keys(d.series).map((c, i) => ({
    label: c, data: d.series[c], borderColor: channelColour(c, i),
  }));
  lineChart(canvas, d.labels, sets);
}

async function forecastChart(canvas, id, series, scope) {
  const q = scope ? "scope=" + encodeURIComponent(scope) : "series=" + encodeURIComponent(series);
  const d = await getJSON("/api/forecast/" + id + "/chart?" + q);
  lineChart(canvas, d.labels, [
    { label: t("95 % high"), data: d.volume_hi95, borderColor: "transparent", backgroundColor: "#1f77b41a", fill: "+1" },
    { label: t("95 % low"), data: d.volume_lo95, borderColor: "transparent", fill: false },
    { label: t("80 % high"), data: d.volume_hi, borderColor: "transparent", backgroundColor: "#1f77b433", fill: "+1" },
    { label: t("80 % low"), data: d.volume_lo, borderColor: "transparent", fill: false },
    { label: t("forecast"), data: d.volume, borderColor: "#1f77b4", borderWidth: 2 },
    { label: t("week before"), data: d.last_week, borderColor: "#7f7f7f", borderDash: [4, 3] },
    { label: t("same week last year"), data: d.last_year, borderColor: "#ff7f0e", borderDash: [2, 2] },
  ], { plugins: { legend: { position: "bottom", labels: { filter: (i) => i.datasetIndex !== 1 && i.datasetIndex !== 3 } } } });
}

async function requirementsChart(canvas, id, scope) {
  const d = await getJSON("/api/requirements/" + id + "/chart?scope=" + encodeURIComponent(scope || "center"));
  const sets = [];
  Object.keys(d.staff).forEach((c, i) => {
    sets.push({ label: c + " " + t("staff"), data: d.staff[c], borderColor: channelColour(c, i) });
    sets.push({ label: c + " " + t("agents"), data: d.agents[c], borderColor: channelColour(c, i), borderDash: [4, 3] });
  });
  lineChart(canvas, d.labels, sets);
}

async function coverageCharts(container, id, scope) {
  const d = await getJSON("/api/roster/" + id + "/coverage?scope=" + encodeURIComponent(scope || "center"));
  Object.keys(d.channels).forEach((c, i) => {
    const ch = d.channels[c];
    const box = document.createElement("div");
    box.className = "card";
    box.innerHTML = "<h2>" + c + "</h2><div class='chart'><canvas></canvas></div>";
    container.appendChild(box);
    const hasSL = ch.service_level.some((x) => x !== null);
    const sets = [
      { label: t("required on the phones"), data: ch.required, borderColor: "#d62728", stepped: true, yAxisID: "y" },
      { label: t("on the phones"), data: ch.on_phones, borderColor: channelColour(c, i),
        backgroundColor: channelColour(c, i) + "33", fill: true, stepped: true, yAxisID: "y" },
    ];
    const scales = { x: { ticks: { maxTicksLimit: 14 } }, y: { title: { display: true, text: t("agents") } } };
    if (hasSL) {
      sets.push({ label: t("expected service level"), data: ch.service_level.map((x) => x === null ? null : 100 * x),
                  borderColor: "#555", borderDash: [3, 3], yAxisID: "sl" });
      scales.sl = { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false },
                    title: { display: true, text: t("SL %") } };
    }
    lineChart(box.querySelector("canvas"), d.labels, sets, { scales: scales });
  });
}

/* The shift editor: fill the dialog from a grid cell (the <td> or the button inside it);
   closing the dialog gives the focus back to the cell's button. */
function editShift(cell) {
  const opener = cell.closest("button") || cell.querySelector("button");
  cell = cell.closest("td") || cell;
  const dlg = document.getElementById("edit-dialog");
  const f = dlg.querySelector("form");
  f.agent_id.value = cell.dataset.agent;
  f.date.value = cell.dataset.date;
  f.start.value = cell.dataset.start || "08:00";
  if (cell.dataset.type) f.shift_type.value = cell.dataset.type;
  // only the agent's skills can be chosen; a day off defaults to the agent's first skill
  const row = cell.closest("tr");
  const skills = ((row && row.dataset.skills) || "").split(/[;,]/).map((s) => s.trim()).filter(Boolean);
  const options = Array.from(f.channel.options);
  options.forEach((o) => { o.disabled = skills.length > 0 && !skills.includes(o.value); });
  const allowed = options.filter((o) => !o.disabled).map((o) => o.value);
  f.channel.value = allowed.includes(cell.dataset.channel) ? cell.dataset.channel
    : (skills.find((s) => allowed.includes(s)) || allowed[0] || "");
  f.day_off.checked = !cell.dataset.start;
  document.getElementById("edit-who").textContent = cell.dataset.agent + " " + cell.dataset.date;
  dlg.returnFocusTo = opener;
  dlg.showModal();
}

/* The what-if: post the targets form as the manager types, show the numbers it returns. */
function whatIf(form, url) {
  if (!form) return;
  const state = document.getElementById("whatif-state");
  const errorBox = document.getElementById("whatif-error");
  const lang = document.documentElement.lang || "en";
  const num = (x, d) => x === null || x === undefined ? "-" :
    Number(x).toLocaleString(lang, { maximumFractionDigits: d === undefined ? 1 : d });
  const pct = (x) => x === null || x === undefined ? "-" :
    Number(x).toLocaleString(lang, { style: "percent", maximumFractionDigits: 1 });
  const cell = (v, cls) => "<td class='num" + (cls ? " " + cls : "") + "'>" + v + "</td>";
  const trend = (a, b) => b > a + 1e-9 ? "up" : (b < a - 1e-9 ? "down" : "");
  let timer = null, seq = 0;
  async function run() {
    const mine = ++seq;
    state.textContent = "…";
    let d;
    try {
      d = await whatIfAnswer(url, form);
    } catch (e) {
      if (mine !== seq) return;
      state.textContent = "";
      whatIfFailed(errorBox, e, form.dataset.loginUrl);
      return;
    }
    if (mine !== seq) return;
    errorBox.classList.remove("session");
    form.querySelectorAll(".field-error.live").forEach((e) => e.remove());
    form.querySelectorAll("input.invalid").forEach((e) => e.classList.remove("invalid"));
    const errors = d.errors || {};
    const keys = Object.keys(errors);
    errorBox.hidden = keys.length === 0;
    errorBox.textContent = keys.map((k) => errors[k]).join("\n");
    keys.forEach((k) => {
      const input = document.getElementById(k);
      if (!input) return;
      input.classList.add("invalid");
      const span = document.createElement("span");
      span.className = "field-error live"; span.dataset.field = k; span.textContent = errors[k];
      input.after(span);
    });
    state.textContent = "";
    if (keys.length) return;
    document.querySelector("#whatif-week tbody").innerHTML = d.week.map((r) => "<tr data-channel='" + r.channel + "'><td>" + r.channel + "</td>" +
      cell(num(r.agent_h_before)) + cell(num(r.agent_h_after), trend(r.agent_h_before, r.agent_h_after)) +
      cell(num(r.staff_h_before)) + cell(num(r.staff_h_after), trend(r.staff_h_before, r.staff_h_after)) +
      cell(num(r.peak_before)) + cell(num(r.peak_after), trend(r.peak_before, r.peak_after)) + "</tr>").join("");
    document.querySelector("#whatif-sl tbody").innerHTML = (d.service_level || []).map((r) => "<tr data-channel='" + r.channel + "'><td>" + r.channel + "</td>" +
      cell(pct(r.target_after)) + cell(pct(r.service_level_before)) + cell(pct(r.service_level_after)) + "</tr>").join("");
    document.querySelector("#whatif-daily tbody").innerHTML = d.daily.map((r) => "<tr><td>" + r.channel + "</td><td>" +
      new Date(r.day + "T12:00:00").toLocaleDateString(lang, { weekday: "short", day: "numeric", month: "short" }) + "</td>" +
      cell(num(r.agent_h_before)) + cell(num(r.agent_h_after), trend(r.agent_h_before, r.agent_h_after)) +
      cell(num(r.staff_h_before)) + cell(num(r.staff_h_after), trend(r.staff_h_before, r.staff_h_after)) + "</tr>").join("");
    form.dataset.whatifSeq = String(mine);
  }
  form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(run, 200); });
  form.addEventListener("change", () => { clearTimeout(timer); timer = setTimeout(run, 50); });
  run();
}

/* --- branch pages (issue #17): the what-if reads an answer that is not JSON (an expired
   session's sign-in page, a 400 from the CSRF check, a 500) as an error, not as numbers. --- */
class WhatIfError extends Error {
  constructor(message, signIn) { super(message); this.signIn = signIn; }
}

async function whatIfAnswer(url, form) {
  let response;
  try {
    response = await fetch(url, { method: "POST", body: new FormData(form),
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
      credentials: "same-origin", redirect: "follow" });
  } catch (e) {
    throw new WhatIfError(t("The server did not answer. Check the connection and try again."), false);
  }
  const type = response.headers.get("Content-Type") || "";
  const toSignIn = response.redirected && /\/login(\?|$)/.test(new URL(response.url).pathname + "?");
  if (response.status === 401 || response.status === 400 || response.status === 403 || toSignIn) {
    throw new WhatIfError(t("Your session has expired: sign in again to use the what-if."), true);
  }
  if (!response.ok || type.indexOf("application/json") < 0) {
    throw new WhatIfError(t("The what-if failed") + " (" + response.status + ").", false);
  }
  return response.json();
}

function whatIfFailed(box, error, loginUrl) {
  box.hidden = false;
  box.classList.add("session");
  box.textContent = error.message || String(error);
  if (error.signIn && loginUrl) {
    box.appendChild(document.createTextNode(" "));
    const a = document.createElement("a");
    a.href = loginUrl; a.id = "whatif-sign-in"; a.textContent = t("Sign in");
    box.appendChild(a);
  }
}

/* Page wiring without inline scripts: data-* attributes name what to start. */
function addDateTo(picker) {
  const target = document.getElementById(picker.dataset.addDateTo);
  if (!target || !picker.value) return;
  const days = target.value.split(";").map((x) => x.trim()).filter((x) => x);
  if (days.indexOf(picker.value) < 0) days.push(picker.value);
  days.sort();
  target.value = days.join(";");
  picker.value = "";
}

document.addEventListener("DOMContentLoaded", () => {
  const targets = document.getElementById("targets-form");
  if (targets && targets.dataset.whatifUrl) whatIf(targets, targets.dataset.whatifUrl);
  document.querySelectorAll("input[data-add-date-to]").forEach((picker) => {
    picker.addEventListener("change", () => addDateTo(picker));
  });
});

/* --- branch sec: the pages' start-up, without inline scripts or handlers -------------------
   The Content-Security-Policy allows scripts from this site's files only (script-src 'self'),
   so no template holds a <script> block or an on*= attribute: elements carry data-* attributes
   and this wires them up once the page is parsed. */
document.addEventListener("DOMContentLoaded", () => {
  const charts = {
    history: (el) => historyChart(el, el.dataset.id),
    forecast: (el) => forecastChart(el, el.dataset.id, el.dataset.series || "", el.dataset.scope || ""),
    requirements: (el) => requirementsChart(el, el.dataset.id, el.dataset.scope || ""),
    coverage: (el) => coverageCharts(el, el.dataset.id, el.dataset.scope || ""),
  };
  document.querySelectorAll("[data-chart]").forEach((el) => {
    const draw = charts[el.dataset.chart];
    if (draw) draw(el);
  });
  const job = document.querySelector("[data-job]");
  if (job) {
    const bar = document.getElementById("job-bar");
    if (bar && bar.dataset.progress) bar.style.width = bar.dataset.progress + "%";
    pollJob(job.dataset.job);
  }
  document.querySelectorAll("select[data-autosubmit]").forEach((el) => {
    el.addEventListener("change", () => el.form.submit());
  });
  document.querySelectorAll("[data-select-on-click]").forEach((el) => {
    el.addEventListener("click", () => el.select());
  });
  // the roster grid's cells and the editor's Close button: see the branch ar block below
});

/* --- branch ar: roster grid by keyboard, chart time axes in the page's locale (issue #17) --- */

/* Grid cells are buttons (Tab reaches them, Enter/Space press them): each opens the editor.
   Closing the dialog (button, Escape or submit) returns the focus to the cell it came from. */
document.addEventListener("click", (e) => {
  const cell = e.target.closest ? e.target.closest("#roster-grid [data-edit-shift]") : null;
  if (cell) { editShift(cell); return; }
  const close = e.target.closest ? e.target.closest("[data-close-dialog]") : null;
  if (close) close.closest("dialog").close();
});
document.addEventListener("close", (e) => {
  const dlg = e.target;
  if (dlg && dlg.returnFocusTo && document.contains(dlg.returnFocusTo)) dlg.returnFocusTo.focus();
}, true);

/* Time-axis labels ("YYYY-MM-DD HH:MM", "YYYY-MM-DDTHH:MM" or "YYYY-MM-DD", local wall time)
   said in the page's locale with the browser's Intl (offline, no date adapter): Arabic month
   and day names and digits under lang="ar". Other labels are left as they are. */
const AXIS_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/;
function axisLabel(label, withDate) {
  const m = AXIS_TIME.exec(String(label));
  if (!m) return label;
  const lang = document.documentElement.lang || "en";
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], m[4] ? +m[4] : 0, m[5] ? +m[5] : 0));
  const opts = { timeZone: "UTC" };
  if (withDate || !m[4]) Object.assign(opts, { weekday: "short", day: "numeric", month: "short" });
  if (m[4]) Object.assign(opts, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  return new Intl.DateTimeFormat(lang, opts).format(d);
}
function localisedTimeAxis(labels) {
  return {
    ticks: {
      callback: function (value, index, ticks) {
        const label = this.getLabelForValue(value);
        const prev = index > 0 ? this.getLabelForValue(ticks[index - 1].value) : "";
        const day = (x) => String(x).slice(0, 10);
        return axisLabel(label, index === 0 || day(prev) !== day(label));
      },
    },
  };
}

/* After an edit the page comes back with ?agent=&date=: the focus goes back to that cell. */
document.addEventListener("DOMContentLoaded", () => {
  const grid = document.getElementById("roster-grid");
  const q = new URLSearchParams(window.location.search);
  if (!grid || !q.get("agent") || !q.get("date")) return;
  const cell = [...grid.querySelectorAll("td[data-agent]")].find(
    (td) => td.dataset.agent === q.get("agent") && td.dataset.date === q.get("date"));
  const button = cell && cell.querySelector("button.cell-edit");
  if (button) { button.focus({ preventScroll: false }); }
});
