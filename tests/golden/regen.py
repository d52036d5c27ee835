"""Regenerate the golden reports of the seed example:  python -m tests.golden.regen

Read the diff line by line before committing it.
"""

import os
from pathlib import Path

from perfdsl.cli import main

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent
COMMANDS = {
    "heping-2024.json": ["eval", "rules", "examples/heping-2024/facts.json", "--format", "json", "-o"],
    "heping-2024.md": ["report", "rules", "examples/heping-2024/facts.json", "--format", "md", "-o"],
    "heping-2024.html": ["report", "rules", "examples/heping-2024/facts.json", "--format", "html", "-o"],
}


def regenerate(target: Path = GOLDEN) -> None:
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        for name, argv in COMMANDS.items():
            assert main(argv + [str(target / name)]) == 0, name
    finally:
        os.chdir(cwd)


if __name__ == "__main__":
    regenerate()
    print(f"regenerated {', '.join(COMMANDS)} in {GOLDEN}")
