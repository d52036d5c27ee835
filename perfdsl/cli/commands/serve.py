"""``perfdsl serve``: the local web workbench — rule editor with live checks, facts form, scores and traces."""

from __future__ import annotations

import argparse
import sys

from perfdsl.cli.commands.base import EXIT_OK, Usage

NAME = "serve"  # its help line is in the command table (perfdsl.cli.COMMAND_HELP)
DESCRIPTION = ("在本机启动网页工作台并用浏览器打开：左侧编辑规则，输入时即时检查并在行内标出错误；"
               "右侧填写事实表单，查看指标得分、得分率、等级与每个得分的计算过程和指标分析结果；"
               "“假设分析”先显示修改事实后各指标得分的变化，再决定保留或放弃；"
               "可下载评分表（网页、Excel、Word）和事实（JSON、基础数据表），打开事实文件或填好的基础数据表；"
               "“批量”打开事实目录中的 .jsonl 文件或存放事实的文件夹，列出各单位的总分与等级，"
               "并可与已保存的规则比较哪些单位、哪些指标的得分变了。"
               "默认只监听本机（127.0.0.1）；每次启动生成新的访问令牌，只有启动时显示的地址可以访问；"
               "保存规则时先把原文件备份为 .bak，且只写规则目录中的 .perf 文件；批量只从事实文件所在的目录读取。"
               "关闭命令窗口即停止工作台")
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("打开规则目录与一套事实", "perfdsl serve rules/ examples/heping-2024/facts.json"),
    ("指定端口、不自动打开浏览器", "perfdsl serve rules/ examples/heping-2024/facts.json --port 8765 --no-browser"),
    ("从空白事实开始", "perfdsl serve rules/"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", metavar="规则", nargs="?", default=".", help="规则文件或规则目录（默认：当前目录）")
    parser.add_argument("facts", metavar="事实", nargs="?", help="事实文件（.json，或填好的基础数据表 .xlsx）")
    parser.add_argument("--port", metavar="端口", type=int, default=8765,
                        help="监听的端口（默认 8765；0 表示任选空闲端口）")
    parser.add_argument("--host", metavar="地址", default="127.0.0.1",
                        help="监听的地址（默认 127.0.0.1，只有本机可以访问；改为其他地址会让网络上的其他人也能连接）")
    parser.add_argument("--no-browser", action="store_true", help="不自动打开浏览器，只显示地址")
    parser.add_argument("--time-limit", metavar="秒", type=float, default=20.0,
                        help="每个请求最多处理的秒数（默认 20）；超过时网页显示提示，工作台继续响应其他请求")


def run(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from perfdsl.serve.app import create_app
    except ImportError:
        raise Usage("工作台需要额外的组件：请先运行 pip install 'perfdsl[serve]'") from None
    from perfdsl.serve.workspace import Workspace
    if not 0 <= args.port <= 65535:
        raise Usage(f"端口 {args.port} 无效：应在 0 到 65535 之间")
    if not 0 < args.time_limit <= 3600:
        raise Usage(f"--time-limit {args.time_limit:g} 无效：应大于 0 秒、不超过 3600 秒")
    workspace = Workspace(args.rules, args.facts)
    workspace.rule_texts()  # a missing or unreadable rule set is reported now, not in the browser
    loopback = args.host in ("127.0.0.1", "localhost", "::1")
    if not loopback:
        print(f"perfdsl: 警告：工作台监听 {args.host}，网络上的其他计算机也可能连接；"
              "只在可信的网络中这样做，并且不要把访问地址（含令牌）告诉他人", file=sys.stderr)
    port = args.port or _free_port(args.host)
    app, token = create_app(workspace, host=args.host, port=port, time_limit=args.time_limit)
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else (f"[{args.host}]" if ":" in args.host else args.host)
    url = f"http://{shown}:{port}/?token={token}"
    print(f"perfdsl 工作台：{url}\n按 Ctrl+C 停止", flush=True)
    config = uvicorn.Config(app, host=args.host, port=port, log_level="warning", access_log=False,
                            timeout_keep_alive=5, limit_concurrency=64)
    server = uvicorn.Server(config)
    if not args.no_browser:
        _open_when_ready(server, url)
    server.run()
    return EXIT_OK


def _free_port(host: str) -> int:
    import socket
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _open_when_ready(server, url: str) -> None:
    import threading
    import time
    import webbrowser

    def wait_then_open() -> None:
        for _ in range(200):
            if server.started:
                webbrowser.open(url)
                return
            time.sleep(0.05)
    threading.Thread(target=wait_then_open, daemon=True).start()
