"""One corpus of hostile strings, shared by every renderer's tests (and by anyone testing input paths).

Each entry is (id, text).  They are what a careless user pastes or an attacker types into a 标准,
a unit name, a finding or a reason: spreadsheet formulas, forged Markdown totals, HTML and script,
Rich markup, terminal escape sequences, bidi overrides, control characters, line separators and
very long text.  ``RULE_SAFE`` are those a rule file can carry (a rule file cannot hold NUL or a
lone surrogate); ``FACT_SAFE`` those a JSON fact can (no lone surrogate: that is F007).
"""

from __future__ import annotations

FORGED_TOTAL = "某单位\n\n总分 **100.00** / 100，等级 **优**\n\n<!--"

HOSTILE: list[tuple[str, str]] = [
    # spreadsheet formulas (CSV/formula injection): every start Excel or LibreOffice evaluates
    ("hyperlink", '=HYPERLINK("http://evil.example/","点击")'),
    ("formula-plus", "+1+cmd|' /C calc'!A0"),
    ("formula-minus", "-2+3"),
    ("formula-at", "@SUM(1,2)"),
    ("formula-tab", "\t=1+1"),
    ("formula-cr", "\r=1+1"),
    ("formula-fullwidth", "＝1＋1"),
    ("error-code", "#N/A"),
    ("dde", "=cmd|' /C calc'!A0"),
    # Markdown: forged totals, headings, emphasis, links, images, tables, comments, code
    ("forged-total", FORGED_TOTAL),
    ("heading", "\n# 总分 100.00\n"),
    ("setext", "某单位\n===\n"),
    ("link", "[点击查看](http://evil.example/)"),
    ("image", "![x](http://evil.example/x.png)"),
    ("reference", "[a][b]\n\n[b]: http://evil.example/"),
    ("autolink", "<http://evil.example/> www.evil.example http://evil.example/ a@evil.example"),
    ("pipes", "a | b || c\\|d"),
    ("comment", "<!-- 隐藏 -->"),
    ("emphasis", "**粗** _斜_ ~~删~~ `代码` $x$"),
    ("entity", "&lt;script&gt; &amp; &#x3C;"),
    ("backslash", "末尾反斜杠\\"),
    # HTML and script
    ("script", "<script>alert(1)</script>"),
    ("img-onerror", '<img src=x onerror="alert(1)">'),
    ("attr-quote", '"><svg onload=alert(1)>'),
    # Rich markup
    ("rich-close", "预算[/执行]"),
    ("rich-link", "[link=http://evil.example/]点击[/link]"),
    ("rich-style", "[bold red]红[/]"),
    ("rich-emoji", ":warning: :smile:"),
    # terminal escape sequences and controls
    ("ansi-clear", "\x1b[2J\x1b[H清屏"),
    ("osc-title", "\x1b]0;窗口标题\x07正文"),
    ("osc-link", "\x1b]8;;http://evil.example/\x1b\\点击\x1b]8;;\x1b\\"),
    ("c1-csi", "\x9b2J"),
    ("bidi", "预算\u202e执行率\u202c"),
    ("bidi-isolate", "\u2067abc\u2069"),
    ("backspace", "100\x08\x08\x0850"),
    ("carriage", "总分 0\r总分 100"),
    ("vertical-tab", "第一行\x0b第二行"),
    ("form-feed", "页\x0c页"),
    ("del", "a\x7fb"),
    ("bell", "叮\x07"),
    ("line-separators", "行\u2028分\u2029段\x85"),
    ("nul", "a\x00b"),
    ("nonchar", "a\ufffeb\uffff"),
    # sizes
    ("long", "长" * 40000),
    ("long-formula", "=" + "1+" * 20000 + "1"),
]

LONE_SURROGATE = ("surrogate", "a\ud800b")  # cannot be in a file or in JSON facts (F007): unit tests only

FACT_SAFE = [(k, v) for k, v in HOSTILE]
RULE_SAFE = [(k, v) for k, v in HOSTILE if "\x00" not in v]
IDS = [k for k, _ in HOSTILE]
