// perfdsl 工作台: files in and out (report and facts downloads, opening a facts file) and the batch view.
// app.js calls PerfdslTools.start(page) with what these need; user text only ever enters the page as text.
"use strict";
window.PerfdslTools = (function () {
  const $ = (sel) => document.querySelector(sel);
  let page = null;

  // ------------------------------------------------------------------ downloads
  function save(blob, name) {
    const a = page.el("a", {href: URL.createObjectURL(blob), download: name});
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }
  // the name the server chose (the unit and evaluation, made safe for Windows), from RFC 5987's filename*
  function sentName(res) {
    const m = /filename\*=UTF-8''([^;]+)/i.exec(res.headers.get("Content-Disposition") || "");
    try { return m ? decodeURIComponent(m[1]) : null; } catch (e) { return null; }
  }
  async function fetchFile(path, body) {
    const got = await page.request(path, {method: "POST", body: JSON.stringify(body),
      headers: {"X-Perfdsl-Token": page.token, "Content-Type": "application/json"}});
    if (!got.res) return {errors: got.errors};
    const res = got.res;
    if (res.ok) return {blob: await res.blob(), name: sentName(res)};
    let data = null;
    try { data = await res.json(); } catch (e) { /* not JSON: said below */ }
    return {errors: (data && data.errors) || [{code: "X000", message: `下载失败（${res.status}）`}]};
  }
  // each error with its place, as the rules' and facts' own lists say it: the fact, else file:line:column
  const place = (e) => e.fact ? `[${e.fact}] ` : (e.file ? `${e.file}:${e.line}:${e.column}：` : "");
  const said = (errors) => errors.map(e => (e.code ? `[${e.code}] ` : "") + place(e) + e.message).join("；");
  async function download(choice) {
    const [what, fmt] = choice.split(":");
    const facts = page.facts();
    page.status("正在生成…");
    const path = what === "report" ? `/api/report?format=${fmt}` : (fmt === "json" ? "/api/facts/json" : "/api/facts/workbook");
    const got = await fetchFile(path, {files: page.texts(), facts});
    if (got.errors) { page.status("无法下载：" + said(got.errors)); return; }
    save(got.blob, got.name || (what === "report" ? `评分表.${fmt}` : (fmt === "json" ? "事实.json" : "基础数据表.xlsx")));
    page.status("已下载");
  }

  // ------------------------------------------------------------------ opening a facts file
  async function open(file) {
    if (!file) return;
    page.status(`正在读取 ${file.name}…`);
    const got = await page.request(`/api/facts/open?name=${encodeURIComponent(file.name)}`, {method: "POST", body: file,
      headers: {"X-Perfdsl-Token": page.token, "Content-Type": "application/octet-stream"}});
    if (!got.res) { page.status(got.errors[0].message); return; }
    const res = got.res;
    let data;
    try { data = await res.json(); } catch (e) { data = {errors: [{code: "X000", message: `读取失败（${res.status}）`}]}; }
    if (data.errors) {  // shown like the facts' own errors: above the scores, and on the field a fact path names
      page.showErrors(data.errors);
      page.showView("results");
      page.status(`未能打开 ${file.name}`);
      return;
    }
    page.setFacts(data.facts, data.source);
    page.status(`已打开 ${data.source}`);
  }

  // ------------------------------------------------------------------ batch view
  let rows = [], moved = new Map(), sortKey = "where", sortDir = 1, batchName = null;
  const collator = new Intl.Collator("zh-CN", {numeric: true});
  // scores compared as decimal texts without floats: pad the integer part, then compare as strings
  const decimalKey = (s) => {
    if (s === null || s === undefined) return "";
    const [i, f = ""] = String(s).replace("-", "").split(".");
    return (s.startsWith("-") ? "0" : "1") + i.padStart(8, "0") + "." + f.padEnd(8, "0");
  };
  function drawBatch() {
    const q = $("#batch-filter").value.trim();
    const body = $("#batch-table tbody"); body.textContent = "";
    const key = (r) => sortKey === "score" ? decimalKey(r.score) : sortKey === "moved" ? (moved.has(r.where) ? "1" : "0")
      : String(r[sortKey] ?? "");
    const shown = rows.filter(r => !q || [r.where, r.unit, r.name, r.grade].some(v => (v || "").includes(q)))
      .sort((a, b) => sortDir * (sortKey === "score" ? (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)
                                                    : collator.compare(key(a), key(b))));
    for (const r of shown) {
      const change = moved.get(r.where);
      body.append(page.el("tr", {class: change ? "moved" : "", "data-where": r.where},
        page.el("td", {}, r.where), page.el("td", {title: r.name || ""}, r.unit || ""),
        page.el("td", {}, r.score ?? (r.errors.length ? "无法评分" : "—")), page.el("td", {}, r.grade || ""),
        page.el("td", {}, change ? `${change.total[0] ?? "—"} → ${change.total[1] ?? "—"}` : ""),
        page.el("td", {}, page.el("button", {type: "button", onclick: () => openOne(r.where)}, "打开"))));
    }
    for (const th of document.querySelectorAll("#batch-table th[data-sort]")) {
      th.classList.toggle("asc", th.dataset.sort === sortKey && sortDir > 0);
      th.classList.toggle("desc", th.dataset.sort === sortKey && sortDir < 0);
    }
    $("#batch-status").textContent = rows.length ? `共 ${rows.length} 套事实，显示 ${shown.length} 套` : "";
  }
  function drawDiff(diff) {
    const box = $("#batch-diff"); box.textContent = "";
    if (!diff) return;
    const s = diff.summary;
    box.append(page.el("h3", {}, "已保存的规则 → 编辑中的规则"),
      page.el("div", {}, `比较 ${s.compared} 套：总分变化 ${s.totals_changed} 套，等级变化 ${s.grades_changed} 套` +
        (s.rule_files_changed.length ? `；改动的规则文件：${s.rule_files_changed.join("、")}` : "；规则没有改动")));
    const ul = page.el("ul", {});
    for (const c of diff.changes) {
      const li = page.el("li", {"data-where": c.where}, `${c.where} ${c.name}：总分 ${c.total[0] ?? "—"} → ${c.total[1] ?? "—"}` +
        (c.grade[0] !== c.grade[1] ? `，等级 ${c.grade[0] ?? "—"} → ${c.grade[1] ?? "—"}` : ""));
      const inner = page.el("ul", {});
      for (const i of c.indicators) inner.append(page.el("li", {}, `${i.path.join(" / ")}：${i.old ?? "—"} → ${i.new ?? "—"}`));
      li.append(inner); ul.append(li);
    }
    box.append(ul);
  }
  async function runBatch() {
    const name = $("#batch-source").value;
    if (!name) return;
    $("#batch-status").textContent = "评分中…"; $("#batch-diff").textContent = "";
    const res = await page.api("/api/batch", {files: page.texts(), name, compare: $("#batch-compare").checked});
    if (res.errors) {
      rows = []; moved = new Map(); drawBatch();
      $("#batch-status").append(page.el("div", {class: "error"}, said(res.errors)));
      return;
    }
    batchName = name;
    rows = res.rows;
    moved = new Map(((res.diff || {}).changes || []).map(c => [c.where, c]));
    drawBatch();
    drawDiff(res.diff);
  }
  async function openOne(where) {
    const res = await page.api("/api/batch/facts", {files: page.texts(), name: batchName, where});
    if (res.errors) { $("#batch-status").textContent = said(res.errors); return; }
    page.setFacts(res.facts, res.source);
    page.showView("results");
  }
  async function sources() {
    const res = await page.api("/api/batch/sources");
    const select = $("#batch-source"); select.textContent = "";
    if (res.errors) { $("#batch-status").textContent = said(res.errors); return; }
    for (const s of res.sources) select.append(page.el("option", {value: s.name}, s.name));
    if (!res.sources.length) {
      $("#batch-status").textContent = res.directory === null ? "启动时没有给出事实文件：没有可打开批量的目录"
        : `事实目录 ${res.directory} 中没有 .jsonl 文件或存放事实的文件夹`;
    }
  }

  return {
    start(p) {
      page = Object.assign({token: new URLSearchParams(location.search).get("token") || ""}, p);
      $("#download").addEventListener("change", (e) => { const v = e.target.value; e.target.value = ""; if (v) download(v); });
      $("#open").addEventListener("change", (e) => { open(e.target.files[0]); e.target.value = ""; });
      $("#batch-run").addEventListener("click", runBatch);
      $("#batch-filter").addEventListener("input", drawBatch);
      for (const th of document.querySelectorAll("#batch-table th[data-sort]")) {
        th.addEventListener("click", () => {
          sortDir = sortKey === th.dataset.sort ? -sortDir : 1; sortKey = th.dataset.sort; drawBatch();
        });
      }
      sources();
    },
  };
})();
