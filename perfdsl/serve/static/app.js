// perfdsl 工作台: the page.  Rules on the left (editor.bundle.js), scores, traces and the facts form on the right.
// Every request carries the launch token from the address (?token=…) in the X-Perfdsl-Token header.
"use strict";
(function () {
  const token = new URLSearchParams(location.search).get("token") || "";
  const $ = (sel) => document.querySelector(sel);
  const el = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : v);
    }
    for (const k of kids) if (k !== null && k !== undefined) e.append(k.nodeType ? k : String(k));
    return e;
  };
  const status = (text) => { $("#status").textContent = text; };

  // ------------------------------------------------------------------ talking to the server
  // The server gone (its window closed) or restarted (a new token): said in words, with how to keep the edits.
  const GONE = "无法连接工作台（perfdsl serve 已关闭）：本页未保存的修改仍在编辑器中，不要关闭本页，先把修改复制出来；" +
               "再启动 perfdsl serve，打开它显示的新地址，粘贴修改后保存";
  const RESTARTED = "工作台已重新启动，本页的访问令牌已失效（每次启动都不同）：本页未保存的修改仍在编辑器中，" +
                    "先把修改复制出来，再打开 perfdsl serve 新显示的地址，粘贴修改后保存";
  let connected = false;   // the first answer came: a refused token later means a restarted server
  async function request(path, init) {
    let res;
    try { res = await fetch(path, init); } catch (e) { return {errors: [{code: "S001", message: GONE}]}; }
    if (res.status === 403 && connected) return {errors: [{code: "S001", message: RESTARTED}]};
    if (res.ok) connected = true;
    return {res};
  }
  async function api(path, body) {
    const got = await request(path, {
      method: body === undefined ? "GET" : "POST",
      headers: {"X-Perfdsl-Token": token, "Content-Type": "application/json"},
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!got.res) { status(got.errors[0].message); return {errors: got.errors, httpStatus: 0}; }
    const res = got.res;
    let data;
    try { data = await res.json(); } catch (e) { data = {errors: [{code: "X000", message: "服务器的回答无法读取"}]}; }
    if (!res.ok && !data.errors) data.errors = [{code: "X000", message: `请求失败（${res.status}）`}];
    data.httpStatus = res.status;
    return data;
  }

  // ------------------------------------------------------------------ exact numbers
  // A number typed in the form is kept as its text (Num) and written into the JSON as typed: no float rounding.
  class Num { constructor(s) { this.s = s; } }
  function stringify(v) {
    if (v instanceof Num) return v.s;
    if (Array.isArray(v)) return "[" + v.map(stringify).join(",") + "]";
    if (v && typeof v === "object") {
      return "{" + Object.keys(v).filter(k => v[k] !== undefined).map(k => JSON.stringify(k) + ":" + stringify(v[k])).join(",") + "}";
    }
    return JSON.stringify(v);
  }
  // a 日期 fact's text as the date picker's value ("" when empty); null for a text it cannot show (such as
  // "6月底"), which stays in a text field so that nothing typed is lost and the error is shown on it
  function isoDate(v) {
    if (v === undefined || v === null || v === "") return "";
    if (typeof v !== "string") return null;
    // the forms the facts accept (perfdsl/interp/dates.py): 2024-06-30, 2024/6/30, 2024.6.30, 2024年6月30日
    let m = /^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$/.exec(v);
    if (m) m = [m[0], m[1], m[3], m[4]];
    else m = /^(\d{4})年(\d{1,2})月(\d{1,2})日$/.exec(v);
    if (!m) return null;
    const iso = `${m[1]}-${m[2].padStart(2, "0")}-${m[3].padStart(2, "0")}`;
    const d = new Date(iso + "T00:00:00Z");
    return !isNaN(d) && d.toISOString().slice(0, 10) === iso ? iso : null;
  }
  const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
  const shown = (v) => v instanceof Num ? v.s : (v === undefined || v === null ? "" : String(v));
  // 0.965 → "96.5" by moving the decimal point in the text, never through a float
  function percentOf(v) {
    if (v instanceof Num) v = v.s;
    if (typeof v === "string") return v.endsWith("%") ? v.slice(0, -1) : v;
    if (typeof v !== "number") return "";
    let s = String(v);
    if (/e/i.test(s)) return String(v * 100);
    const neg = s.startsWith("-"); if (neg) s = s.slice(1);
    let [i, f = ""] = s.split(".");
    f = f.padEnd(2, "0");
    i = (i + f.slice(0, 2)).replace(/^0+(?=\d)/, "");
    f = f.slice(2).replace(/0+$/, "");
    return (neg ? "-" : "") + i + (f ? "." + f : "");
  }

  // ------------------------------------------------------------------ state
  let files = {};          // name → text on disk (the last saved)
  let facts = {};
  let form = [];
  let editor = null;
  let lastDoc = null;
  let selected = null;     // the indicator whose trace is shown
  let diagnostics = [];
  let analyses = {};       // leaf's at → its 指标分析结果 (the report's prose)
  let notes = {};          // leaf's at → step index → 「（来源：…）」 of the fact that step read
  let vocabulary = {};     // keywords and builtins, with what each is (``about``) for the hover
  let whatIf = null;       // while 假设分析 is on: the facts kept (JSON text); the form holds the candidate
  let checkTimer = null, scoreTimer = null, seq = 0;

  // the editor breaks lines with \n; a file saved in Notepad holds \r\n (kept on save): the same text
  const lf = (s) => s.replace(/\r\n?/g, "\n");
  const sameText = (a, b) => a === b || (a !== null && b !== null && lf(a) === lf(b));
  const texts = () => {
    const out = {};
    for (const name of Object.keys(files)) out[name] = editor.text(name) ?? files[name];
    return out;
  };

  // ------------------------------------------------------------------ rules: files, checks, save
  function drawFiles() {
    const nav = $("#files"); nav.textContent = "";
    for (const name of Object.keys(files)) {
      const dirty = editor && editor.text(name) !== null && !sameText(editor.text(name), files[name]);
      nav.append(el("button", {type: "button", "data-file": name,
        class: (name === editor.current() ? "on" : "") + (dirty ? " dirty" : ""), onclick: () => openFile(name)}, name));
    }
  }
  function openFile(name, line, column) {
    if (!(name in files)) return;
    if (editor.current() !== name) { editor.open(name, files[name]); drawFiles(); showDiagnostics(); }
    if (line) editor.goto(line, column);
  }
  function showDiagnostics() {
    const here = diagnostics.filter(d => d.file === editor.current());
    editor.diagnose(here);
    const box = $("#problems"); box.textContent = "";
    const errors = diagnostics.filter(d => d.severity === "error").length;
    if (!diagnostics.length) box.append(el("div", {class: "ok"}, "检查通过：没有错误或警告"));
    for (const d of diagnostics) {
      const where = d.file ? `${d.file}:${d.line}:${d.column}` : "";
      const sugg = (d.suggestions || []).join(" ");
      box.append(el("div", {class: d.severity, "data-code": d.code,
        onclick: () => d.file && openFile(d.file, d.line, d.column)},
        `${where} ${d.severity === "error" ? "错误" : "警告"}[${d.code}]：${d.message} ${sugg}`));
    }
    status(errors ? `规则有 ${errors} 个错误` : "规则检查通过");
  }
  function rulesChanged() {
    drawFiles();
    clearTimeout(checkTimer);
    checkTimer = setTimeout(recheck, 300);
  }
  async function recheck() {
    const mine = ++seq;
    status("检查中…");
    const res = await api("/api/check", {files: texts(), form: true});
    if (mine !== seq) return;
    if (res.httpStatus === 0) return;  // no server: the status says so, the last check stays shown
    if (res.errors) { diagnostics = res.errors; showDiagnostics(); return; }
    diagnostics = res.diagnostics;
    if (res.form && res.form.length) { form = res.form; drawForm(); editor.setPaths(factPaths()); }
    showDiagnostics();
    const broken = diagnostics.some(d => d.severity === "error");
    $("#results").classList.toggle("stale", broken);  // the scores shown are those of the last rules that checked
    if (!broken) rescore();
  }
  async function save() {
    const name = editor.current();
    if (!name) return;
    if (!confirm(`保存 ${name}？\n原文件将备份为 ${name}.bak，并按标准格式（fmt）排版。`)) return;
    // base: the text this page read, so a file saved meanwhile from another tab or editor is not overwritten
    const res = await api("/api/save", {file: name, text: editor.text(name), fmt: true, base: files[name]});
    if (res.errors) {  // also in a dialog: a check finishing a moment later rewrites the status line
      const said = "未保存：" + res.errors.map(e => e.message).join("；");
      status(said); alert(said); return;
    }
    files[name] = res.text;
    if (!sameText(editor.text(name), res.text)) editor.replace(name, res.text);
    drawFiles();
    status(`已保存 ${name}` + (res.backup ? `（原文件备份为 ${res.backup}）` : ""));
  }

  // ------------------------------------------------------------------ results
  function score(doc, errors, prose, evidence) {
    $("#errors").textContent = "";
    for (const e of errors || []) {
      const where = e.fact ? `[${e.fact}] ` : (e.file ? `${e.file}:${e.line}：` : "");
      $("#errors").append(el("div", {class: "error"}, `错误[${e.code}]：${where}${e.message}`));
    }
    markFields(errors || []);
    if (!doc) return;
    const before = new Map();
    (function walk(n) { if (n.children) n.children.forEach(walk); before.set(n.at || n.name, n.score); })(lastDoc || {});
    lastDoc = doc;
    analyses = prose || {};
    notes = evidence || {};
    $("#total").textContent = doc.score ?? "—";
    $("#grade").textContent = doc.grade ?? "—";
    const body = $("#tree tbody"); body.textContent = "";
    (function walk(n, depth) {
      for (const c of n.children || []) {
        const leaf = !c.children;
        const key = c.at || c.name;
        const moved = before.size && before.has(key) && before.get(key) !== c.score;
        const lost = leaf && c.score !== undefined && Number(c.score) < Number(c.weight);
        const row = el("tr", {class: `l${c.level || depth} ${leaf ? "leaf" : ""} ${lost ? "lost" : ""} ${moved ? "moved" : ""} ${selected === key ? "sel" : ""}`,
          "data-name": c.name, onclick: leaf ? () => { selected = key; showTrace(c); drawSelection(); } : undefined},
          el("td", {style: `padding-left:${depth * 1.2}em`}, c.name), el("td", {}, c.weight ?? ""),
          el("td", {}, c.status === "not_applicable" ? "不适用" : (c.score ?? "")), el("td", {}, c.rate ?? ""));
        row.dataset.key = key;
        body.append(row);
        if (c.children) walk(c, depth + 1);
        if (leaf && selected === key) showTrace(c);
      }
    })(doc, 0);
  }
  function drawSelection() {
    for (const r of document.querySelectorAll("#tree tr")) r.classList.toggle("sel", r.dataset.key === selected);
  }
  function link(at, label) {
    const m = /^(.*):(\d+)(?::(\d+))?$/.exec(at || "");
    if (!m) return null;
    return el("a", {title: "在编辑器中打开这一行", "data-at": at, onclick: () => {
      openFile(m[1], +m[2], m[3] ? +m[3] : 1);
      if (!m[3] && editor.current() === m[1]) selectLine(+m[2]);
    }}, label || at);
  }
  // a step's rule line selected whole, so the eye finds it (the view exposes CodeMirror's own dispatch)
  function selectLine(n) {
    const v = editor.view;
    if (n < 1 || n > v.state.doc.lines) return;
    const l = v.state.doc.line(n);
    v.dispatch({selection: {anchor: l.from, head: l.to}});
  }
  function showTrace(node) {
    const box = $("#trace"); box.hidden = false; box.textContent = "";
    box.append(el("h3", {}, `${node.name}：${node.score ?? ""} / ${node.weight ?? ""}`), link(node.at, "规则"));
    if (node.explanation) box.append(el("div", {class: "text"}, "指标解释：" + node.explanation));
    if (node.criteria) box.append(el("div", {class: "text"}, "评分标准：" + node.criteria));
    if (analyses[node.at]) box.append(el("div", {class: "analysis"}, el("b", {}, "指标分析结果："), analyses[node.at]));
    const ol = el("ol", {});
    const said = notes[node.at] || {};
    (node.trace || []).forEach((s, i) => {
      const li = el("li", {"data-kind": s.kind}, s.text, said[i] ? el("span", {class: "source"}, said[i]) : null, link(s.at));
      if (s.path) li.append(el("a", {title: "转到事实表单中的这一项", onclick: () => focusFact(s.path)}, "事实"));
      ol.append(li);
    });
    box.append(ol);
  }
  function rescore() {
    clearTimeout(scoreTimer);
    scoreTimer = setTimeout(async () => {
      const candidate = stringify(facts);
      const res = whatIf === null ? await api("/api/score", {files: texts(), facts: candidate})
        : await api("/api/whatif", {files: texts(), facts: whatIf, candidate});
      if (res.httpStatus === 0) return;  // no server: the status says so, the last scores stay shown
      if (res.changes) showChanges(res.changes);
      if (res.document) { score(res.document, [], res.analyses, res.notes); status(whatIf === null ? "已重新评分" : "假设分析：修改尚未保留"); }
      else { score(null, res.errors); status(res.stage === "rules" ? "规则有错误，未评分" : "事实有错误，未评分"); }
    }, 150);
  }

  // ------------------------------------------------------------------ what-if: the differences before a change is kept
  function showChanges(ch) {
    const sign = (d) => !d || d === "0" ? "" : (d.startsWith("-") ? "down" : "up");
    const total = $("#whatif-total"); total.textContent = "";
    total.append("总分 ", el("b", {}, ch.total.old ?? "—"), " → ", el("b", {}, ch.total.new ?? "—"),
      el("span", {class: sign(ch.total.delta)}, ch.total.delta && ch.total.delta !== "0" ? `（${ch.total.delta}）` : "（不变）"),
      "　等级 ", ch.grade.old ?? "—", " → ", ch.grade.new ?? "—");
    const body = $("#whatif-changes tbody"); body.textContent = "";
    for (const c of ch.indicators) {
      body.append(el("tr", {"data-path": c.path.join("/")},
        el("td", {style: `padding-left:${(c.path.length - 1) * 1.2}em`}, c.path[c.path.length - 1]),
        el("td", {}, c.old ?? "—"), el("td", {}, c.new ?? "—"),
        el("td", {class: sign(c.delta)}, c.delta ?? "—")));
    }
    if (!ch.indicators.length) body.append(el("tr", {}, el("td", {colspan: "4"}, "各指标得分均未变化")));
  }
  function startWhatIf() {
    if (whatIf !== null) return;
    whatIf = stringify(facts);
    $("#whatif").classList.add("on");
    $("#whatif-panel").hidden = false;
    showChanges({total: {old: lastDoc && lastDoc.score, new: lastDoc && lastDoc.score, delta: "0"},
                 grade: {old: lastDoc && lastDoc.grade, new: lastDoc && lastDoc.grade}, indicators: []});
    showView("facts");
    status("假设分析：修改事实后先显示得分变化");
  }
  function endWhatIf(keep) {
    if (whatIf === null) return;
    if (!keep) { try { facts = JSON.parse(whatIf); } catch (e) { facts = {}; } drawForm(); }
    whatIf = null;
    $("#whatif").classList.remove("on");
    $("#whatif-panel").hidden = true;
    rescore();
    status(keep ? "已保留修改" : "已放弃修改，恢复为修改前的事实");
  }

  // ------------------------------------------------------------------ facts form
  const get = (obj, key) => (obj && typeof obj === "object" ? obj[key] : undefined);
  // completion: each fact path with what it is (type and unit) and the indicators reading it
  function factPaths() {
    const out = [];
    (function walk(items) {
      for (const f of items) {
        const what = f.hint || ({record: "记录", list: "列表", map: "映射", judged: "酌情"}[f.kind] || f.kind);
        const used = f.readers && f.readers.length ? `；用于 ${f.readers.slice(0, 2).join("、")}${f.readers.length > 2 ? "等" : ""}` : "";
        out.push({path: f.path, detail: what + (f.unit && !what.includes(f.unit) ? `（${f.unit}）` : "") + used});
        if (f.fields) walk(f.fields);
      }
    })(form);
    return out;
  }
  // the indicators of the last scored document by name: their 解释, 评分标准 and where they are declared
  function indicatorNamed(word) {
    let found = null;
    (function walk(n) { for (const c of n.children || []) { if (c.name === word) found = found || c; walk(c); } })(lastDoc || {});
    return found;
  }
  // hover: a fact (type, unit, declaration, readers), an indicator (解释, 评分标准), a keyword or a builtin
  function hoverText(word) {
    let found = null;
    (function walk(items) {
      for (const f of items) {
        if (f.path === word || (!found && f.name === word)) found = f;
        if (f.fields) walk(f.fields);
      }
    })(form);
    if (!found) {
      const ind = indicatorNamed(word);
      if (ind) {
        const lines = [`指标 ${ind.name}（分值 ${ind.weight ?? "—"}，得分 ${ind.score ?? "—"}）`, `声明于 ${ind.at}`];
        if (ind.explanation) lines.push("解释：" + ind.explanation);
        if (ind.criteria) lines.push("评分标准：" + ind.criteria);
        return lines.join("\n");
      }
      return (vocabulary.about || {})[word] || null;
    }
    const lines = [`事实 ${found.path}：${found.hint || found.kind}` + (found.unit ? `（${found.unit}）` : "")];
    if (found.file) lines.push(`声明于 ${found.file}:${found.line}`);
    if (found.readers && found.readers.length) lines.push("用于：" + found.readers.join("、"));
    return lines.join("\n");
  }
  // A form never adds a fact by being drawn: records, lists and 酌情 pairs that are absent are created
  // (``attach``) only when something is typed into them.
  const obj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
  // a fact written with its evidence, {"值": …, "来源": "…"} (see ruleset/evidence.py): the form edits the 值 and
  // the 来源 apart and never drops either
  const VALUE = "值", SOURCE = "来源";
  const wrapped = (v) => obj(v) && Object.keys(v).length === 2 && VALUE in v && SOURCE in v;
  // ``unwrap``: a {"值", "来源"} object here is a value with its evidence (not for a 映射, nor a record declaring 值/来源)
  function child(holder, key, attach, make, unwrap = true) {
    const existing = holder[key];
    const inner = unwrap && wrapped(existing);
    const box = make(inner ? existing[VALUE] : existing);
    return {box, attach: () => {
      attach();
      if (inner && holder[key] === existing) { if (existing[VALUE] !== box) existing[VALUE] = box; }
      else if (holder[key] !== box) holder[key] = box;
    }};
  }
  function input(f, holder, key, path, attach) {
    const raw = get(holder, key);
    const value = wrapped(raw) ? raw[VALUE] : raw;
    const set = (v) => {
      attach();
      const now = holder[key];
      if (wrapped(now)) now[VALUE] = v; else holder[key] = v;
      rescore();
    };
    let ctl;
    if (f.kind === "bool") {
      ctl = el("select", {onchange: (e) => set(e.target.value === "" ? undefined : e.target.value === "true")},
        el("option", {value: ""}, "—"), el("option", {value: "true", selected: value === true}, "是"),
        el("option", {value: "false", selected: value === false}, "否"));
    } else if (f.kind === "enum" || (f.values && f.values.length)) {
      const numeric = f.kind !== "enum";
      ctl = el("select", {onchange: (e) => set(e.target.value === "" ? undefined : (numeric ? new Num(e.target.value) : e.target.value))},
        el("option", {value: ""}, "—"),
        ...f.values.map(v => el("option", {value: v, selected: shown(value) === v || (numeric && Number(shown(value)) === Number(v) && shown(value) !== "")}, v)));
    } else if (f.kind === "rate") {
      ctl = el("input", {type: "text", inputmode: "decimal", value: percentOf(value),
        oninput: (e) => { const t = e.target.value.trim().replace(/%$/, ""); set(t === "" ? undefined : t + "%"); }});
    } else if (f.kind === "date" && isoDate(value) !== null) {
      // the browser's date picker; it writes 2024-06-30, which the facts accept as they accept 2024年6月30日
      ctl = el("input", {type: "date", value: isoDate(value),
        oninput: (e) => set(e.target.value === "" ? undefined : e.target.value)});
    } else if (f.kind === "number" || f.kind === "integer") {
      ctl = el("input", {type: "text", inputmode: "decimal", value: shown(value),
        oninput: (e) => { const t = e.target.value.trim(); set(t === "" ? undefined : (NUMBER.test(t) ? new Num(t) : t)); }});
    } else {
      ctl = el("input", {type: "text", value: typeof value === "string" ? value : (value === undefined ? "" : stringify(value)),
        oninput: (e) => set(e.target.value === "" && f.optional ? undefined : e.target.value)});
    }
    ctl.dataset.path = path;
    ctl.setAttribute("aria-label", f.name || path);
    return ctl;
  }
  function field(f, holder, key, path, attach) {
    if (f.kind === "record") return record(f, holder, key, path, attach);
    if (f.kind === "list") return list(f, holder, key, path, attach);
    if (f.kind === "judged") {
      const c = child(holder, key, attach, (v) => obj(v) ? v : {});
      const box = el("fieldset", {"data-path": path}, el("legend", {}, f.name + (f.optional ? "（可选）" : "")));
      box.append(row({name: f.judged_field, kind: "number", hint: f.hint, unit: "分"}, c.box, f.judged_field, `${path}.${f.judged_field}`, c.attach, true),
                 row({name: "理由", kind: "text"}, c.box, "理由", `${path}.理由`, c.attach, true),
                 row({name: SOURCE, kind: "text", optional: true}, c.box, SOURCE, `${path}.${SOURCE}`, c.attach, true));
      return box;
    }
    if (f.kind === "map") return map(f, holder, key, path, attach);
    return row(f, holder, key, path, attach);
  }
  function row(f, holder, key, path, attach, noSource) {
    return el("div", {class: "field", "data-field": path},
      el("label", {title: f.hint || ""}, f.name + (f.optional ? "（可选）" : "")),
      el("span", {}, input(f, holder, key, path, attach), f.unit ? el("span", {class: "unit"}, f.unit) : null,
         noSource ? null : source(holder, key, path, attach),
         f.hint ? el("span", {class: "hint"}, " " + f.hint) : null));
  }
  // 来源 (佐证材料) of one fact: typing it wraps the value, emptying it unwraps it
  function source(holder, key, path, attach) {
    const raw = get(holder, key);
    return el("input", {type: "text", class: "source", "data-source-of": path, placeholder: "来源（可选）", title: "佐证材料/来源，如：2024年决算报表第3页",
      "aria-label": `${path}的来源`, value: wrapped(raw) ? shown(raw[SOURCE]) : "",
      oninput: (e) => {
        const text = e.target.value, now = holder[key];
        if (text.trim() === "") { if (wrapped(now)) holder[key] = now[VALUE]; }
        else if (wrapped(now)) now[SOURCE] = text;
        else { attach(); holder[key] = {[VALUE]: now, [SOURCE]: text}; }
        rescore();
      }});
  }
  function record(f, holder, key, path, attach) {
    const own = (f.fields || []).some(x => x.name === VALUE || x.name === SOURCE);
    const c = child(holder, key, attach, (v) => obj(v) ? v : {}, !own);
    const box = el("fieldset", {"data-path": path}, el("legend", {}, f.name + (f.optional ? "（可选）" : "")));
    for (const sub of f.fields || []) box.append(field(sub, c.box, sub.name, `${path}.${sub.name}`, c.attach));
    return box;
  }
  function list(f, holder, key, path, attach) {
    const c = child(holder, key, attach, (v) => Array.isArray(v) ? v : []);
    const items = c.box;
    const el0 = f.element || {kind: "text"};
    const cols = el0.kind === "record" ? el0.fields : [Object.assign({}, el0, {name: "值"})];
    const box = el("fieldset", {class: "rows", "data-path": path}, el("legend", {}, `${f.name}（${items.length} 项）`));
    const table = el("table", {}, el("tr", {}, ...cols.map(col => el("th", {title: col.hint || ""}, col.name)), el("th", {}, "")));
    items.forEach((item, i) => {
      const tr = el("tr", {});
      if (el0.kind === "record" && !obj(item)) items[i] = {};
      for (const col of cols) {
        const p = el0.kind === "record" ? `${path}[${i}].${col.name}` : `${path}[${i}]`;
        const ctl = ["record", "list", "map", "judged"].includes(col.kind)
          ? el("span", {class: "hint"}, "（请在 JSON 中填写）")
          : input(col, el0.kind === "record" ? items[i] : items, el0.kind === "record" ? col.name : i, p, c.attach);
        tr.append(el("td", {}, ctl));
      }
      tr.append(el("td", {}, el("button", {type: "button", title: "删除这一项",
        onclick: () => { items.splice(i, 1); drawForm(); rescore(); }}, "删除")));
      table.append(tr);
    });
    box.append(table, el("button", {type: "button",
      onclick: () => { c.attach(); items.push(el0.kind === "record" ? {} : ""); drawForm(); rescore(); }}, "添加一项"));
    return box;
  }
  // a 映射: a row per entry, its 名称 (the key) first; renaming keeps the entries' order
  function map(f, holder, key, path, attach) {
    const c = child(holder, key, attach, (v) => obj(v) ? v : {}, false);
    const entries = c.box;
    const el0 = f.element || {kind: "text"};
    const record = el0.kind === "record";
    const cols = record ? el0.fields : [Object.assign({}, el0, {name: "值"})];
    const box = el("fieldset", {class: "rows", "data-path": path}, el("legend", {}, `${f.name}（${Object.keys(entries).length} 项）`));
    const table = el("table", {}, el("tr", {}, el("th", {}, "名称"), ...cols.map(col => el("th", {title: col.hint || ""}, col.name)), el("th", {}, "")));
    const rename = (from, to) => {
      const pairs = Object.entries(entries).map(([k, v]) => [k === from ? to : k, v]);
      for (const k of Object.keys(entries)) delete entries[k];
      for (const [k, v] of pairs) entries[k] = v;
    };
    for (const k of Object.keys(entries)) {
      if (record && !obj(entries[k])) entries[k] = {};
      const name = el("input", {type: "text", value: k, "data-key-of": path, "aria-label": `${f.name}的名称`,
        onchange: (e) => {
          const to = e.target.value.trim();
          if (!to || (to !== k && to in entries)) { e.target.value = k; status(`名称“${to}”为空或已存在`); return; }
          if (to !== k) { rename(k, to); drawForm(); rescore(); }
        }});
      const tr = el("tr", {}, el("td", {}, name));
      for (const col of cols) {
        const p = record ? `${path}.${k}.${col.name}` : `${path}.${k}`;
        const ctl = ["record", "list", "map", "judged"].includes(col.kind)
          ? el("span", {class: "hint"}, "（请在 JSON 中填写）")
          : input(col, record ? entries[k] : entries, record ? col.name : k, p, c.attach);
        tr.append(el("td", {}, ctl));
      }
      tr.append(el("td", {}, el("button", {type: "button", title: "删除这一项",
        onclick: () => { delete entries[k]; drawForm(); rescore(); }}, "删除")));
      table.append(tr);
    }
    box.append(table, el("button", {type: "button", onclick: () => {
      c.attach();
      let n = Object.keys(entries).length + 1;
      while (`新项${n}` in entries) n++;
      entries[`新项${n}`] = record ? {} : "";
      drawForm(); rescore();
    }}, "添加一项"));
    return box;
  }
  function drawForm() {
    const box = $("#facts"); box.textContent = "";
    if (typeof facts !== "object" || facts === null || Array.isArray(facts)) facts = {};
    for (const f of form) box.append(field(f, facts, f.name, f.path, () => {}));
    if (lastErrors.length) markFields(lastErrors);
  }
  let lastErrors = [];
  function markFields(errors) {
    lastErrors = errors;
    for (const e of document.querySelectorAll("#facts .err")) e.remove();
    for (const e of document.querySelectorAll("#facts .bad")) e.classList.remove("bad");
    for (const e of errors) {
      if (!e.fact) continue;
      const ctl = document.querySelector(`#facts [data-path="${CSS.escape(e.fact)}"]`);
      if (!ctl) continue;
      ctl.classList.add("bad");
      const holder = ctl.closest(".field") || ctl.closest("fieldset") || ctl.parentElement;
      holder.append(el("div", {class: "err"}, `[${e.code}] ${e.message}`));
    }
  }
  // a trace's fact path → its form fields: the field itself; for ``列表[*].列`` that column in every row;
  // otherwise the nearest enclosing record or list
  function fieldsOf(path) {
    const exact = document.querySelector(`#facts [data-path="${CSS.escape(path)}"]`);
    if (exact) return [exact];
    if (path.includes("[*]")) {
      const [head, tail] = [path.slice(0, path.indexOf("[*]")), path.slice(path.indexOf("[*]") + 3)];
      const cells = [...document.querySelectorAll("#facts [data-path]")].filter(e => {
        const rest = e.dataset.path.startsWith(head) ? e.dataset.path.slice(head.length) : "";
        const item = /^\[\d+\]/.exec(rest);  // a list's row, or a map's entry (.名称)
        if (item) return rest.slice(item[0].length) === tail;
        return rest.startsWith(".") && e.tagName !== "FIELDSET" && rest.endsWith(tail) && rest.length > tail.length + 1
          && (tail !== "" || !rest.slice(1).includes("."));
      });
      if (cells.length) return cells;
    }
    const up = path.replace(/(\[[^\]]*\]|\.[^.\[]*)$/, "");
    return up && up !== path ? fieldsOf(up) : [];
  }
  function focusFact(path) {
    showView("facts");
    for (const e of document.querySelectorAll("#facts .traced")) e.classList.remove("traced");
    const found = fieldsOf(path);
    for (const e of found) e.classList.add("traced");
    const ctl = found[0];
    if (ctl) { ctl.scrollIntoView({block: "center"}); if (ctl.focus) ctl.focus(); }
  }
  function showView(name) {
    for (const b of document.querySelectorAll("#views button")) b.classList.toggle("on", b.dataset.view === name);
    $("#results").hidden = name !== "results";
    $("#facts").hidden = name !== "facts";
    $("#batch").hidden = name !== "batch";
  }
  // the facts in the form replaced by others (an opened file, one fact set of a batch)
  function setFacts(text, source) {
    if (whatIf !== null) endWhatIf(false);
    try { facts = JSON.parse(text); } catch (e) { facts = {}; }
    lastErrors = [];
    drawForm();
    if (source) $("#ruleset").textContent = `事实：${source}`;
    rescore();
  }

  // ------------------------------------------------------------------ start
  async function start() {
    if (!token) { status("缺少访问令牌：请使用 perfdsl serve 启动时显示的完整地址打开"); return; }
    const st = await api("/api/state");
    if (st.httpStatus !== 200) { status((st.errors || []).map(e => e.message).join("；")); return; }
    files = st.files;
    try { facts = JSON.parse(st.facts); } catch (e) { facts = {}; }
    form = st.form;
    vocabulary = st.vocabulary;
    $("#ruleset").textContent = (st.facts_source ? `事实：${st.facts_source}` : "事实：空白");
    editor = PerfdslEditor.create($("#editor"), {vocabulary: st.vocabulary, paths: [], onChange: rulesChanged,
                                                  onSave: save, hover: hoverText});
    editor.setPaths(factPaths());
    const names = Object.keys(files);
    const first = names.find(n => !/事实|体系|facts/.test(n)) || names[0];
    editor.open(first, files[first]);
    drawFiles();
    drawForm();
    diagnostics = (st.result && st.result.diagnostics) || [];
    showDiagnostics();
    if (st.facts_errors) score(null, st.facts_errors);
    if (st.result.document) score(st.result.document, [], st.result.analyses, st.result.notes); else score(null, st.result.errors);
    $("#save").addEventListener("click", save);
    $("#whatif").addEventListener("click", () => whatIf === null ? startWhatIf() : endWhatIf(false));
    $("#keep").addEventListener("click", () => endWhatIf(true));
    $("#discard").addEventListener("click", () => endWhatIf(false));
    PerfdslTools.start({api, request, el, status, stringify, texts, setFacts, showView, showErrors: (errors) => score(null, errors),
                        facts: () => stringify(facts), factsName: () => st.facts_source});
    for (const b of document.querySelectorAll("#views button")) b.addEventListener("click", () => showView(b.dataset.view));
    document.body.dataset.ready = "1";
  }
  window.addEventListener("beforeunload", (e) => {
    if (editor && Object.keys(files).some(n => editor.text(n) !== null && !sameText(editor.text(n), files[n]))) e.preventDefault();
  });
  start();
})();
