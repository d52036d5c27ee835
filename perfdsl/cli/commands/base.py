"""What every command shares: exit codes, the usage error, and the shape of a command module."""

from __future__ import annotations

import argparse
from typing import Protocol

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a program whose reader went away

TRACE_FILTERS = {
    "deductions": {"deduction", "cap", "floor"},
    "na": {"not_applicable"},
    "facts": {"fact", "judgement"},
    "bands": {"band", "match"},
}


class Usage(Exception):
    """Wrong usage: reported in one line and exit status 2, as argparse's own errors are."""


class Command(Protocol):
    """A module in ``perfdsl.cli.commands`` is a command: the parser and ``main`` need only these."""

    NAME: str
    HELP: str
    DESCRIPTION: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...
