// The rule editor of `perfdsl serve`: CodeMirror 6 with perfdsl highlighting (both keyword languages),
// the server's `check` diagnostics inline (squiggles, hover text, did-you-mean quick fixes), and
// completion of keywords, builtins and fact paths.  Bundled by `npm run build` into
// perfdsl/serve/static/editor.bundle.js (global `PerfdslEditor`); the page works offline.
import {EditorState} from "@codemirror/state";
import {EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection,
        hoverTooltip} from "@codemirror/view";
import {defaultKeymap, history, historyKeymap, indentWithTab} from "@codemirror/commands";
import {StreamLanguage, syntaxHighlighting, defaultHighlightStyle, bracketMatching,
        indentOnInput} from "@codemirror/language";
import {linter, lintGutter, setDiagnostics, forEachDiagnostic} from "@codemirror/lint";
import {autocompletion, completionKeymap, closeBrackets} from "@codemirror/autocomplete";
import {searchKeymap, highlightSelectionMatches} from "@codemirror/search";

const WORD = /^[\p{L}\p{N}_]+/u;

function perfdslLanguage(vocab) {
  const keywords = new Set(vocab.keywords || []);
  const builtins = new Set(vocab.builtins || []);
  return StreamLanguage.define({
    name: "perfdsl",
    token(stream) {
      if (stream.eatSpace()) return null;
      if (stream.match("#")) { stream.skipToEnd(); return "comment"; }
      if (stream.match(/^"(?:[^"\\]|\\.)*"?/) || stream.match(/^“[^”]*”?/)) return "string";
      if (stream.match(/^[0-9]+(?:\.[0-9]+)?%?/)) return "number";
      const m = stream.match(WORD);
      if (m) {
        const w = m[0];
        if (keywords.has(w)) return "keyword";
        if (builtins.has(w)) return "builtin";
        if (w === "true" || w === "false" || w === "是" || w === "否") return "bool";
        return "variableName";
      }
      if (stream.match(/^(?:≥|≤|≠|>=|<=|==|!=|[<>=+\-*\/×÷∈])/)) return "operator";
      stream.next();
      return "punctuation";
    },
    languageData: {commentTokens: {line: "#"}},
  });
}

function offset(doc, line, column) {
  if (!line || line < 1) return 0;
  if (line > doc.lines) return doc.length;
  const l = doc.line(line);
  return Math.min(l.from + Math.max(0, (column || 1) - 1), l.to);
}

// The text a suggestion puts in place of the marked name, or null for advice that is no replacement.  Only the
// forms perfdsl writes as fixes: 「关键字 `若` 之后需要空格：`若 a`」 replaces 若a by 若 a (not by 若, the
// first `…`), and 「`如` 是关键字…」 is advice, not a replacement by itself.
function fixOf(s) {
  const m = s.match(/^是否想写(?:关键字)? `([^`]+)`？$/) || s.match(/之后需要空格：`([^`]+)`$/)
    || s.match(/^换一个名称，如 `([^`]+)`/);
  return m ? m[1] : null;
}

// diagnostics as the server sends them ({line, column, end_line, end_column, severity, code, message,
// suggestions}) → CodeMirror's, with a quick fix for every "是否想写 `X`？"
function toCM(doc, items) {
  const out = [];
  for (const d of items) {
    let from = offset(doc, d.line, d.column);
    let to = d.end_line ? offset(doc, d.end_line, d.end_column) : from;
    if (to <= from) {
      const word = doc.sliceString(from, Math.min(doc.length, from + 40)).match(WORD);
      to = Math.min(doc.length, from + (word ? word[0].length : 1));
    }
    const actions = [];
    for (const s of d.suggestions || []) {
      const replacement = fixOf(s);
      if (replacement === null) continue;
      actions.push({name: "改为 " + replacement, apply(view, f, t) {
        const text = view.state.sliceDoc(f, t);
        // replace the last dotted part of the name when the suggestion is only that part
        const dot = text.lastIndexOf(".");
        const start = replacement.includes(".") || dot < 0 ? f : f + dot + 1;
        view.dispatch({changes: {from: start, to: t, insert: replacement}});
      }});
    }
    const words = (d.suggestions || []).filter(s => fixOf(s) === null);
    out.push({from, to, severity: d.severity === "error" ? "error" : "warning", source: d.code,
              message: `[${d.code}] ${d.message}` + (words.length ? "\n" + words.join("\n") : ""), actions});
  }
  return out;
}

export function create(parent, options) {
  const vocab = options.vocabulary || {};
  let paths = options.paths || [];
  let hover = options.hover || (() => null);
  const onChange = options.onChange || (() => {});
  const onSave = options.onSave || (() => {});
  const words = () => [
    ...(vocab.keywords || []).map(w => ({label: w, type: "keyword"})),
    ...(vocab.builtins || []).map(w => ({label: w, type: "function"})),
    ...paths.map(p => ({label: p.path, type: "variable", detail: p.detail || ""})),
  ];
  const complete = (context) => {
    const before = context.matchBefore(/[\p{L}\p{N}_.]+/u);
    if (!before && !context.explicit) return null;
    return {from: before ? before.from : context.pos, options: words(), validFor: /^[\p{L}\p{N}_.]*$/u};
  };
  const hovering = hoverTooltip((view, pos) => {
    const line = view.state.doc.lineAt(pos);
    const text = line.text;
    let s = pos - line.from, e = s;
    while (s > 0 && /[\p{L}\p{N}_.]/u.test(text[s - 1])) s--;
    while (e < text.length && /[\p{L}\p{N}_.]/u.test(text[e])) e++;
    if (s === e) return null;
    const info = hover(text.slice(s, e));
    if (!info) return null;
    return {pos: line.from + s, end: line.from + e, above: true, create() {
      const dom = document.createElement("div");
      dom.className = "perfdsl-hover";
      dom.textContent = info;
      return {dom};
    }};
  });
  const extensions = [
    lineNumbers(), highlightActiveLineGutter(), highlightActiveLine(), drawSelection(), history(),
    indentOnInput(), bracketMatching(), closeBrackets(), highlightSelectionMatches(),
    perfdslLanguage(vocab), syntaxHighlighting(defaultHighlightStyle, {fallback: true}),
    lintGutter(), linter(null), autocompletion({override: [complete]}), hovering,
    keymap.of([{key: "Mod-s", preventDefault: true, run: () => { onSave(); return true; }},
               ...defaultKeymap, ...historyKeymap, ...completionKeymap, ...searchKeymap, indentWithTab]),
    EditorView.lineWrapping,
    EditorView.updateListener.of(u => { if (u.docChanged) onChange(u.state.doc.toString()); }),
  ];
  const states = new Map();
  const state = (name, text) => {
    if (!states.has(name)) states.set(name, EditorState.create({doc: text, extensions}));
    return states.get(name);
  };
  let current = null;
  const view = new EditorView({parent, state: EditorState.create({doc: "", extensions})});
  return {
    view,
    open(name, text) {
      if (current !== null) states.set(current, view.state);
      current = name;
      view.setState(state(name, text));
    },
    replace(name, text) {  // after a save that reformatted the file
      if (name === current) {
        view.dispatch({changes: {from: 0, to: view.state.doc.length, insert: text}});
      } else {
        states.set(name, EditorState.create({doc: text, extensions}));
      }
    },
    text(name) {
      if (name === current) return view.state.doc.toString();
      return states.has(name) ? states.get(name).doc.toString() : null;
    },
    current: () => current,
    diagnose(items) { view.dispatch(setDiagnostics(view.state, toCM(view.state.doc, items))); },
    diagnosticCount() { let n = 0; forEachDiagnostic(view.state, () => { n++; }); return n; },
    goto(line, column) {
      const pos = offset(view.state.doc, line, column || 1);
      view.dispatch({selection: {anchor: pos}, effects: EditorView.scrollIntoView(pos, {y: "center"})});
      view.focus();
    },
    setPaths(p) { paths = p; },
    setHover(f) { hover = f; },
    focus() { view.focus(); },
  };
}
