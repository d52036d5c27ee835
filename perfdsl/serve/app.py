"""The workbench's ASGI app (Starlette): the page, its assets, and a small JSON API over ``Workspace``.

Safety, checked on every request before anything else runs (``Guard``):
- the Host header must name this server (``127.0.0.1:PORT``, ``localhost:PORT``…): a DNS-rebinding page
  whose name resolves to 127.0.0.1 is refused;
- an Origin header, when present, must be this server's: another site's page cannot post to the API;
- every ``/api/`` request carries the per-launch token (header ``X-Perfdsl-Token``), which only the URL
  printed at launch holds;
- a request body is at most ``MAX_BODY`` bytes;
- a request's work runs in a small pool of worker threads and is answered within ``TIME_LIMIT`` seconds:
  past it the page is told so, and the server goes on answering (a thread cannot be killed, but the rule
  language terminates, so an overlong evaluation ends by itself; the pool bounds how many can run at once).
Errors in rules or facts are answered as Chinese diagnostics; an unexpected one as a one-line internal
error, never a traceback.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import secrets
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from typing import Any, Awaitable, Callable, Iterable
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from perfdsl.diagnostics import PerfdslError
from perfdsl.serve import compare, exchange
from perfdsl.serve.exchange import Download
from perfdsl.serve.exchange import Refused as _BadRequest
from perfdsl.serve.workspace import Workspace, diagnostic_json

MAX_BODY = 8 * 1024 * 1024
TIME_LIMIT = 20.0  # seconds a request may work before the page is told it took too long
WORKERS = 4
TOKEN_HEADER = "x-perfdsl-token"


def static_dir() -> str:
    return str(resources.files("perfdsl.serve") / "static")


def allowed_hosts(host: str, port: int) -> set[str]:
    """The Host headers this server answers to: its loopback names (and ``host`` itself), with the port."""
    names = {"127.0.0.1", "localhost", "[::1]"}
    if host not in ("", "0.0.0.0", "::"):
        names.add(f"[{host}]" if ":" in host else host)
    return {f"{n}:{port}" for n in names} | ({*names} if port == 80 else set())


def _json(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")
    return Response(body, status, media_type="application/json; charset=utf-8")


# the code of a refusal, by its HTTP status (codes.py, group S)
_REFUSALS = {421: "S001", 403: "S001", 413: "S002", 503: "S003", 409: "S005"}


def _refuse(status: int, message: str) -> Response:
    code = _REFUSALS.get(status, "S004")
    return _json({"errors": [{"code": code, "severity": "error", "message": message}]}, status)


class Guard:
    """ASGI middleware: Host, Origin, token and body size, before any route runs."""

    def __init__(self, app, token: str, hosts: Iterable[str]):
        self.app = app
        self.token = token
        self.hosts = {h.lower() for h in hosts}
        self.origins = {f"http://{h}" for h in self.hosts}

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        problem = self.problem(scope, headers)
        if problem is not None:
            await problem(scope, receive, send)
            return
        await self.app(scope, self._bounded(receive), send)

    def problem(self, scope, headers: dict[str, str]) -> Response | None:
        if headers.get("host", "").lower() not in self.hosts:
            return _refuse(421, "拒绝请求：Host 不是本机工作台的地址（防止 DNS 重绑定）")
        origin = headers.get("origin")
        if origin is not None and origin.lower() not in self.origins:
            return _refuse(403, "拒绝请求：来自其他网站（Origin）的请求")
        if scope["path"].startswith("/api/"):
            given = headers.get(TOKEN_HEADER, "")
            if not hmac.compare_digest(given.encode("utf-8", "replace"), self.token.encode("utf-8")):
                return _refuse(403, "拒绝请求：缺少或错误的访问令牌；请使用 perfdsl serve 启动时显示的完整地址打开")
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            if scope["path"] == "/api/facts/open" and length.isdigit():  # a file opened: named, with its limit
                name = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("name", [""])[0]
                return _refuse(413, exchange.too_large(name, int(length)))
            return _refuse(413, f"请求过大（上限 {MAX_BODY // (1024 * 1024)} MiB）")
        return None

    @staticmethod
    def _bounded(receive: Callable[[], Awaitable[dict]]):
        seen = 0

        async def bounded() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > MAX_BODY:
                    raise _TooLarge
            return message
        return bounded


class _TooLarge(Exception):
    pass


def create_app(workspace: Workspace, token: str | None = None, host: str = "127.0.0.1", port: int = 8765,
               hosts: Iterable[str] | None = None, time_limit: float = TIME_LIMIT):
    """The app; ``token`` defaults to a fresh random one (``app.state.token``)."""
    token = token or secrets.token_urlsafe(24)
    pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="perfdsl-serve")

    async def raw_body(request: Request) -> bytes:
        try:
            return await request.body()
        except _TooLarge:
            raise _BadRequest(f"请求过大（上限 {MAX_BODY // (1024 * 1024)} MiB）", 413) from None

    async def body(request: Request) -> dict:
        raw = await raw_body(request)
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise _BadRequest("请求不是有效的 JSON") from None
        if not isinstance(data, dict):
            raise _BadRequest("请求应为 JSON 对象")
        return data

    def texts_of(data: dict) -> dict[str, str]:
        files = data.get("files")
        if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
            raise _BadRequest("files 应为 {文件名: 规则文本}")
        return files

    def guarded(handler, raw: bool = False):
        async def endpoint(request: Request) -> Response:
            try:
                if raw:  # an opened file: its bytes as the body, its name in the query
                    data: dict = {"name": request.query_params.get("name", ""), "data": await raw_body(request)}
                else:
                    data = await body(request) if request.method == "POST" else {}
                data["query"] = dict(request.query_params)
                work = asyncio.get_running_loop().run_in_executor(pool, handler, data)
                try:
                    answer = await asyncio.wait_for(work, time_limit)
                except asyncio.TimeoutError:
                    return _refuse(503, f"处理超过 {time_limit:g} 秒仍未完成，已放弃等待：请减少一次处理的事实套数，"
                                        "或检查规则中是否有规模很大的列表运算")
                if isinstance(answer, Download):
                    return Response(answer.data, media_type=answer.media_type, headers=answer.headers())
                return _json(answer)
            except _BadRequest as exc:
                return _refuse(exc.status, str(exc))
            except PerfdslError as exc:
                return _json({"errors": [diagnostic_json(d) for d in exc.diagnostics]}, 400)
            except RecursionError:
                return _refuse(400, "规则或事实嵌套过深，无法处理")
            except Exception as exc:  # noqa: BLE001 — the last guard: a bug is a message, never a traceback
                return _json({"errors": [{"code": "X000", "severity": "error",
                                          "message": f"内部错误：{type(exc).__name__}: {exc}。"
                                                     "这是 perfdsl 的缺陷，请附上规则与事实报告此问题"}]}, 500)
        return endpoint

    def state(_data: dict) -> dict:
        from perfdsl.serve.form import form
        texts = workspace.rule_texts()
        out: dict = {"files": texts, "facts_source": workspace.facts_path.name if workspace.facts_path else None,
                     "single": workspace.single, "vocabulary": vocabulary()}
        try:
            out["facts"] = workspace.facts_text()
        except PerfdslError as exc:
            out["facts"], out["facts_errors"] = "{}", [diagnostic_json(d) for d in exc.diagnostics]
        checked, _ = workspace.checked(texts)
        out["form"] = form(checked) if checked is not None else []
        out["result"] = workspace.score(texts, out["facts"])
        return out

    def check(data: dict) -> dict:
        from perfdsl.serve.form import form
        texts = texts_of(data)
        checked, problems = workspace.checked(texts)
        out: dict = {"diagnostics": [diagnostic_json(d) for d in problems]}
        if checked is not None and data.get("form"):
            out["form"] = form(checked)
        return out

    def score(data: dict) -> dict:
        facts = data.get("facts")
        if not isinstance(facts, str):
            raise _BadRequest("facts 应为事实的 JSON 文本")
        return workspace.score(texts_of(data), facts)

    def save(data: dict) -> dict:
        name, text = data.get("file"), data.get("text")
        if not isinstance(name, str) or not isinstance(text, str):
            raise _BadRequest("应给出 file（文件名）与 text（规则文本）")
        base = data.get("base")
        return workspace.save(name, text, fmt=bool(data.get("fmt")), base=base if isinstance(base, str) else None)

    def report(data: dict) -> Download:
        facts = data.get("facts")
        if not isinstance(facts, str):
            raise _BadRequest("facts 应为事实的 JSON 文本")
        fmt = data["query"].get("format", "html")
        return exchange.report(workspace, texts_of(data), facts, fmt)

    def facts_json(data: dict) -> Download:
        facts = data.get("facts")
        if not isinstance(facts, str):
            raise _BadRequest("facts 应为事实的 JSON 文本")
        return exchange.facts_json(workspace, texts_of(data), facts)

    def facts_workbook(data: dict) -> Download:
        facts = data.get("facts")
        if not isinstance(facts, str):
            raise _BadRequest("facts 应为事实的 JSON 文本")
        return exchange.facts_workbook(workspace, texts_of(data), facts)

    def open_facts(data: dict) -> dict:
        return exchange.open_facts(workspace, workspace.rule_texts(), data["name"], data["data"])

    def what_if(data: dict) -> dict:
        facts, candidate = data.get("facts"), data.get("candidate")
        if not isinstance(facts, str) or not isinstance(candidate, str):
            raise _BadRequest("facts 与 candidate 应为事实的 JSON 文本（修改前与修改后）")
        texts = texts_of(data)
        after = workspace.score(texts, candidate)
        if "document" not in after:
            return after
        before = workspace.document(texts, facts)
        return {**after, "changes": compare.what_if(before, after["document"])}

    def batch_sources(_data: dict) -> dict:
        where = workspace.facts_dir
        return {"directory": where.name if where is not None else None, "sources": compare.batch_sources(workspace)}

    def batch(data: dict) -> dict:
        name = data.get("name")
        if not isinstance(name, str):
            raise _BadRequest("name 应为事实目录中的 .jsonl 文件名或文件夹名")
        return compare.batch(workspace, texts_of(data), name, compare=bool(data.get("compare")))

    def batch_facts(data: dict) -> dict:
        name, where = data.get("name"), data.get("where")
        if not isinstance(name, str) or not isinstance(where, str):
            raise _BadRequest("应给出 name（批量）与 where（其中的一套事实）")
        return compare.batch_facts(workspace, texts_of(data), name, where)

    async def index(_request: Request) -> Response:
        return FileResponse(f"{static_dir()}/index.html", headers={"Cache-Control": "no-store"})

    async def not_found(_request: Request, _exc: Exception) -> Response:
        return PlainTextResponse("找不到该页面", 404)

    async def wrong_method(request: Request, _exc: Exception) -> Response:  # Starlette's own words are English
        return _refuse(405, f"{request.url.path} 不接受 {request.method} 请求：请在工作台的网页中操作")

    routes = [
        Route("/", index),
        Route("/api/state", guarded(state), methods=["GET"]),
        Route("/api/check", guarded(check), methods=["POST"]),
        Route("/api/score", guarded(score), methods=["POST"]),
        Route("/api/save", guarded(save), methods=["POST"]),
        Route("/api/report", guarded(report), methods=["POST"]),
        Route("/api/facts/workbook", guarded(facts_workbook), methods=["POST"]),
        Route("/api/facts/json", guarded(facts_json), methods=["POST"]),
        Route("/api/facts/open", guarded(open_facts, raw=True), methods=["POST"]),
        Route("/api/whatif", guarded(what_if), methods=["POST"]),
        Route("/api/batch/sources", guarded(batch_sources), methods=["GET"]),
        Route("/api/batch", guarded(batch), methods=["POST"]),
        Route("/api/batch/facts", guarded(batch_facts), methods=["POST"]),
        Mount("/static", StaticFiles(directory=static_dir()), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={404: not_found, 405: wrong_method})
    app.state.token = token
    return Guard(app, token, hosts if hosts is not None else allowed_hosts(host, port)), token


ARG_WORDS = {"n": "数值", "l": "列表", "r": "抽查记录", "a": "任意值"}
RESULT_WORDS = {"number": "数值", "bool": "是/否"}


def signature(b) -> str:
    """``抽查得分(抽查记录, 数值) → 数值``: a builtin as its hover shows it, from the table's argument kinds."""
    kinds = [ARG_WORDS.get(k, k) for k in b.arg_kinds.rstrip("*")]
    if b.arg_kinds.endswith("*"):
        kinds.append("…")
    return f"{b.zh}({', '.join(kinds)}) → {RESULT_WORDS.get(b.result, b.result)}"


def vocabulary() -> dict:
    """Words the editor highlights and completes: keywords in both languages, builtins' names; and what each
    is, for the hover (a keyword's use, a builtin's signature), from the same tables docgen reads."""
    from perfdsl.interp.builtins import BUILTINS, EXISTS_NAMES
    from perfdsl.syntax.keywords import KEYWORDS, USES
    keywords = sorted({s for zh, en in KEYWORDS.values() for s in (*zh, *en)}, key=lambda s: (-len(s), s))
    builtins = sorted({n for b in BUILTINS for n in (b.name, b.zh)}, key=lambda s: (-len(s), s))
    about: dict[str, str] = {}
    for term, (zh, en) in KEYWORDS.items():
        for spelling in (*zh, *en):
            about[spelling] = f"关键字 {' / '.join(zh)}（{' / '.join(en)}）：{USES[term]}"
    for b in BUILTINS:
        count = f"{b.min_args} 个" if b.min_args == b.max_args else f"{b.min_args} 个或更多"
        about[b.zh] = about[b.name] = f"函数 {signature(b)}\n英文名 {b.name}，参数 {count}"
    for name in EXISTS_NAMES:
        about[name] = "函数 存在(事实路径) → 是/否\n可选事实是否提供了"
    return {"keywords": keywords, "builtins": builtins, "about": about}


__all__ = ["MAX_BODY", "TOKEN_HEADER", "allowed_hosts", "create_app", "vocabulary"]
