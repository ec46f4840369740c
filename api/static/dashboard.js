// The dashboard: reads /dashboard/data every REFRESH_MS and draws it. Every value is
// written with textContent (job data never becomes markup); charts use uPlot (vendor/).
"use strict";

const REFRESH_MS = 10000;
// The key the browser asked for (HTTP Basic, the key as password) is resent by a
// same-origin fetch. The URL is built from the origin: a page opened with the key in its
// address (user:key@host) would otherwise hand fetch a URL with credentials, which it refuses.
const DATA_URL = new URL("/dashboard/data", location.origin);
const REFUSED = {
  401: "Not signed in: this page needs an API key. Reload and give the key as the password (any user name).",
  403: "This API key may not read the dashboard. Ask an admin for a key with the read role or above.",
};
const COLORS = { ok: "#059669", bad: "#dc2626", blue: "#2563eb", violet: "#7c3aed", warn: "#d97706", cyan: "#0891b2" };
const LAYER_COLORS = { L1: COLORS.blue, L2: COLORS.cyan, L3: COLORS.warn, L4: COLORS.violet };

const none = v => v === null || v === undefined;
const num = (v, digits = 0) => none(v) ? "–" : Number(v).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const pct = (v, digits = 1) => none(v) ? "–" : (100 * v).toFixed(digits) + "%";
// Cents hide a cheap job's cost: below a dollar, four decimals (but plain $0.00 for nothing).
const usd = v => none(v) ? "–" : "$" + (Math.abs(v) >= 100 ? num(v, 0) : Math.abs(v) >= 1 || v === 0 ? num(v, 2) : num(v, 4));
function duration(ms) {
  if (none(ms)) return "–";
  return ms >= 1000 ? (ms / 1000).toFixed(ms >= 10000 ? 0 : 1) + " s" : ms.toFixed(ms >= 100 ? 0 : 1) + " ms";
}
function bytes(n) {
  if (none(n)) return "–";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0; while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + " " + units[i];
}
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (!none(text)) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}
function link(text, href) { const a = el("a", text); a.href = href; a.rel = "noreferrer"; a.target = "_blank"; return a; }

// --- cards --------------------------------------------------------------------------
function card(id, label, value, sub, status) {
  const c = el("div", null, "card " + (status || ""));
  c.id = id;
  const s = el("div", null, "sub");
  s.append(el("span", sub));
  s.append(el("span", status === "pass" ? "✓ pass" : status === "warn" ? "! warn" : "no data", "mark " + (status || "none")));
  const v = el("div", value, "value");
  v.dataset.value = value;
  c.append(el("div", label, "label"), v, s);
  return c;
}
function drawCards(cards) {
  const spend = cards.spend;
  document.getElementById("cards").replaceChildren(
    card("card-l1", "L1 hit rate", pct(cards.l1_hit_rate.value), "target " + cards.l1_hit_rate.target, cards.l1_hit_rate.status),
    card("card-l4", "L4 p50 latency", none(cards.l4_p50_s.value) ? "–" : duration(cards.l4_p50_s.value * 1000), "target " + cards.l4_p50_s.target, cards.l4_p50_s.status),
    card("card-errors", "Error rate", pct(cards.error_rate.value, 2), "target " + cards.error_rate.target, cards.error_rate.status),
    card("card-jobs", "Jobs today", num(cards.jobs_today.value), num(cards.jobs_today.last_24h) + " in 24 h", null),
    card("card-spend", "Spend this month", usd(spend.spent_usd), "of " + usd(spend.budget_usd) + " budget", spend.status),
  );
  // A count is not judged against a target: its mark says so plainly.
  document.querySelector("#card-jobs .mark").textContent = "UTC day";
}

// --- cache ladder -------------------------------------------------------------------
function drawLadder(ladder) {
  const box = document.getElementById("ladder");
  const rows = ["layer", "share of jobs", "rate", "p50", "saved"].map(h => el("div", h, "head"));
  for (const layer of ladder) {
    const name = el("div", null, "name");
    name.append(el("b", layer.layer), el("span", layer.name));
    const bar = el("div", null, "bar " + layer.layer.toLowerCase());
    bar.dataset.layer = layer.layer;
    const rate = layer.hit_rate, saved = usd(layer.saved_usd);
    let p50 = layer.p50_ms;
    if (!layer.enabled) {
      bar.classList.add("off-bar");
      rows.push(name, bar, el("div", "not enabled", "num off"), el("div", "–", "num off"), el("div", usd(0), "num off"));
      continue;
    }
    if (!layer.available) {
      bar.classList.add("off-bar");
      rows.push(name, bar, el("div", "n/a", "num off"), el("div", "–", "num off"), el("div", "n/a", "num off"));
      bar.title = "L0 (the Figma answers cache) is counted for the whole deployment: an admin sees it";
      continue;
    }
    if (layer.layer === "L0" && !layer.lookups) {
      rows.push(name, bar, el("div", "no look-ups", "num off"), el("div", "–", "num off"), el("div", usd(0), "num off"));
      continue;
    }
    const fill = el("div");
    fill.style.width = none(rate) ? "0" : Math.max(100 * rate, 0.5) + "%";
    bar.append(fill);
    bar.dataset.rate = none(rate) ? "" : String(rate);
    if (layer.layer === "L0") p50 = layer.mean_lookup_ms;
    const latency = el("div", duration(p50), "num");
    if (layer.layer === "L0") latency.title = "mean look-up time";
    const share = el("div", pct(rate), "num");
    if (!none(layer.mean_similarity)) {
      // L2: how alike the neighbours it adapted were.
      share.append(el("small", " sim " + layer.mean_similarity.toFixed(3)));
      share.title = "mean cosine similarity of the adapted neighbours";
    }
    rows.push(name, bar, share, latency, el("div", saved, "num"));
  }
  box.replaceChildren(...rows);
}

// --- services and circuits ----------------------------------------------------------
function drawBadges(services, circuits) {
  document.getElementById("services").replaceChildren(...Object.entries(services).map(([name, up]) => {
    const b = el("span", name, "badge " + (up ? "up" : "down"));
    b.append(el("small", up ? "online" : "down"));
    return b;
  }));
  const box = document.getElementById("circuits");
  if (circuits.error) { box.replaceChildren(el("span", "unreadable: " + circuits.error, "badge down")); return; }
  box.replaceChildren(...Object.entries(circuits).map(([name, c]) => {
    const b = el("span", name, "badge " + c.state);
    b.append(el("small", c.state.replace("_", "-")));
    if (c.recent_failures) b.title = c.recent_failures + " recent failures";
    return b;
  }));
}

// --- trend charts -------------------------------------------------------------------
const charts = {};
function axisValues(fmt) { return (u, ticks) => ticks.map(v => none(v) ? "" : fmt(v)); }
const decades = (u, splits) => splits.map(v => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-6 ? v : null);
const decade = ms => ms >= 1000 ? ms / 1000 + " s" : ms + " ms";
function chart(id, series, data, yFmt, { bars = false, log = false } = {}) {
  const box = document.getElementById(id);
  const points = data.slice(1).reduce((n, ys) => n + ys.filter(v => !none(v) && v !== 0).length, 0);
  box.dataset.points = String(points);
  if (charts[id]) { charts[id].setData(data); return; }
  const opts = {
    width: box.clientWidth, height: box.clientHeight,
    legend: { show: false }, cursor: { drag: { x: false, y: false } },
    scales: {
      x: { time: true },
      // Latency spans a 1 ms cache hit to a minute's generation: a log scale shows both.
      y: log ? { distr: 3, log: 10 } : { range: (u, min, max) => [0, Math.max(max, yFmt.floor || 1) * 1.1] },
    },
    axes: [
      { stroke: "#6b7280", grid: { stroke: "#f3f4f6" }, ticks: { stroke: "#e5e7eb" } },
      Object.assign({ stroke: "#6b7280", grid: { stroke: "#f3f4f6" }, ticks: { stroke: "#e5e7eb" }, values: axisValues(yFmt), size: 64 },
        // On a log scale only the decades get a line and a label: 1 ms, 10 ms, 100 ms, 1 s...
        log ? { filter: decades, grid: { stroke: "#f3f4f6", filter: decades }, ticks: { stroke: "#e5e7eb", filter: decades } } : {}),
    ],
    series: [{}, ...series.map(s => Object.assign({ width: 2, spanGaps: true, points: { size: 5 } }, s,
      bars ? { paths: uPlot.paths.bars({ size: [0.7, 40] }), fill: s.stroke, width: 0, points: { show: false } } : {}))],
  };
  charts[id] = new uPlot(opts, data, box);
}
function drawTrends(t) {
  const succeeded = t.jobs.succeeded, failed = t.jobs.failed;
  // Stacked by hand: the total is drawn first (red), succeeded over it (green).
  const total = succeeded.map((s, i) => s + failed[i]);
  chart("chart-jobs", [{ label: "failed", stroke: COLORS.bad }, { label: "succeeded", stroke: COLORS.ok }],
    [t.t, total, succeeded], Object.assign(v => num(v), { floor: 4 }), { bars: true });

  const layers = Object.keys(t.latency_ms);
  const key = document.getElementById("latency-key");
  key.replaceChildren();
  layers.forEach(l => { const i = el("i"); i.style.background = LAYER_COLORS[l] || COLORS.cyan; key.append(i, document.createTextNode(l + " p50/p95")); });
  const latencySeries = layers.flatMap(l => [
    { label: l + " p50", stroke: LAYER_COLORS[l] || COLORS.cyan },
    { label: l + " p95", stroke: LAYER_COLORS[l] || COLORS.cyan, dash: [4, 4], width: 1.5 },
  ]);
  const latencyData = [t.t, ...layers.flatMap(l => [t.latency_ms[l].p50_ms, t.latency_ms[l].p95_ms])];
  if (charts["chart-latency"] && charts["chart-latency"].series.length !== latencySeries.length + 1) {
    charts["chart-latency"].destroy(); delete charts["chart-latency"]; // a layer appeared
  }
  chart("chart-latency", latencySeries, latencyData, decade, { log: true });

  chart("chart-hits", [{ label: "L1 hit rate", stroke: COLORS.blue, fill: "rgba(37,99,235,.08)" },
    { label: "target", stroke: COLORS.warn, width: 1, dash: [6, 4], points: { show: false } }],
    [t.t, t.l1_hit_rate, t.t.map(() => 0.2)], Object.assign(v => pct(v, 0), { floor: 0.25 }));

  chart("chart-spend", [{ label: "spent", stroke: COLORS.violet, fill: "rgba(124,58,237,.08)", points: { show: false } },
    { label: "budget", stroke: COLORS.warn, width: 1, dash: [6, 4], points: { show: false } }],
    [t.t, t.spend_usd, t.budget_usd], Object.assign(v => "$" + num(v, v >= 10 ? 0 : 2), { floor: 0.01 }));
}
window.addEventListener("resize", () => {
  for (const [id, c] of Object.entries(charts)) {
    const box = document.getElementById(id);
    c.setSize({ width: box.clientWidth, height: box.clientHeight });
  }
});

// --- tables -------------------------------------------------------------------------
function table(id, header, rows, numeric = []) {
  const t = document.getElementById(id);
  const head = document.createElement("tr");
  header.forEach((h, i) => head.append(el("th", h, numeric.includes(i) ? "num" : "")));
  const body = rows.map(cells => {
    const r = document.createElement("tr");
    cells.forEach((cell, i) => {
      const td = el("td", null, numeric.includes(i) ? "num" : "");
      if (cell instanceof Node) td.append(cell); else td.textContent = cell;
      if (cell instanceof Element && cell.classList.contains("links")) td.classList.add("links");
      r.append(td);
    });
    return r;
  });
  if (!rows.length) {
    const r = document.createElement("tr"); const c = el("td", "none yet", "muted"); c.colSpan = header.length; r.append(c); body.push(r);
  }
  t.replaceChildren(head, ...body);
}
function recentRows(recent, admin) {
  return recent.map(r => {
    const name = el("span", r.name);
    name.dataset.id = r.id;
    const links = el("span", null, "links");
    links.append(link("status", new URL(r.status_url, location.origin).pathname));
    // Artifacts by their short name (the full one on hover): the column stays narrow.
    r.artifacts.forEach(a => { const l = link(a.name.replace(/\.[a-z]+$/, ""), a.url); l.title = a.name; links.append(l); });
    if (r.trace_url) links.append(link("trace", r.trace_url));
    const row = [r.finished_at.slice(11, 19), name, r.type, el("span", r.status, "status " + r.status),
      none(r.quality_score) ? "–" : num(r.quality_score, 2), r.cache_layer || "–", duration(r.duration_ms), links];
    if (admin) row.splice(1, 0, r.tenant || "–");
    return row;
  });
}
function drawRecent(data) {
  const admin = data.tenant === null;
  const header = ["finished", "component", "type", "status", "quality", "layer", "latency", "links"];
  if (admin) header.splice(1, 0, "tenant");
  table("recent", header, recentRows(data.recent, admin), admin ? [5, 7] : [4, 6]);
}
function facts(pairs) {
  return pairs.flatMap(([k, v]) => v === null ? [el("dt", k, "section")] : [el("dt", k), el("dd", v)]);
}
function drawStorage(data) {
  const box = document.getElementById("storage");
  const infra = data.infrastructure;
  if (!infra) {
    // A tenant sees its own numbers; the deployment's storage is an admin's.
    document.getElementById("storage-title").textContent = "Your month";
    const s = data.cards.spend;
    box.replaceChildren(...facts([
      ["Month", s.month], ["Spent", usd(s.spent_usd)], ["Budget", usd(s.budget_usd)],
      ["Remaining", usd(Math.max(s.budget_usd - s.spent_usd, 0))],
      ["Cost, 24 h", usd(s.cost_24h_usd)], ["Saved by cache, 24 h", usd(s.saved_24h_usd)],
    ]));
    return;
  }
  const s3 = infra.s3, pg = infra.postgres;
  const s3Facts = s3.error ? [["Bucket", s3.bucket], ["State", s3.error]] : [
    ["Bucket", s3.bucket], ["Objects", (s3.at_least ? "≥ " : "") + num(s3.objects)], ["Size", (s3.at_least ? "≥ " : "") + bytes(s3.bytes)],
    ["Versioning", s3.versioning], ...(s3.lifecycle.length ? s3.lifecycle.map((rule, i) => [i ? "" : "Lifecycle", rule]) : [["Lifecycle", "none"]]),
  ];
  box.replaceChildren(...facts([["S3 artifacts", null], ...s3Facts, ["Postgres", null],
    ["Database size", bytes(pg.size_bytes)], ["Connections", num(pg.connections) + " of " + num(pg.max_connections)]]));
}
function drawTenants(data) {
  const admin = data.tenant === null;
  document.getElementById("tenants-section").hidden = !admin;
  if (!admin) return;
  table("tenants", ["tenant", "jobs", "failed", "cost", "saved by cache"], data.by_tenant.map(r =>
    [r.tenant, num(r.jobs), num(r.failed), usd(r.cost_usd), usd(r.saved_usd)]), [1, 2, 3, 4]);
}

// --- refresh ------------------------------------------------------------------------
class Refused extends Error {}
function notice(text) { const n = document.getElementById("notice"); n.textContent = text || ""; n.hidden = !text; }
async function refresh() {
  const response = await fetch(DATA_URL, { credentials: "same-origin", cache: "no-store" });
  if (!response.ok) throw new Refused(REFUSED[response.status] || "The dashboard data could not be read: HTTP " + response.status + ".");
  const data = await response.json();
  notice("");
  document.getElementById("scope").textContent = data.tenant === null ? "all tenants (admin)" : "tenant " + data.tenant;
  drawCards(data.cards);
  drawLadder(data.ladder);
  drawBadges(data.services, data.circuits);
  drawTrends(data.trends);
  drawRecent(data);
  drawStorage(data);
  drawTenants(data);
  document.getElementById("updated").textContent = "updated " + new Date().toISOString().slice(11, 19) + " UTC · every 10 s";
  document.body.dataset.ready = "true";
}
function failed(e) {
  notice(e instanceof Refused ? e.message : "The dashboard data could not be read: " + e);
  document.getElementById("updated").textContent = "not updated";
}
refresh().catch(failed);
setInterval(() => refresh().catch(failed), REFRESH_MS);
