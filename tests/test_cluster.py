"""Dask (issue 19, item 5): a bag over JSONL files and a directory of workbooks, on a LocalCluster of two
workers, gives ``perfdsl eval … --format json`` byte for byte."""

from __future__ import annotations

import json

import pytest
from distributed import Client, LocalCluster

import perfdsl
from perfdsl.cli import main
from perfdsl.cluster import bag, inputs

from .conftest import ROOT, RULES, SEED_FACTS


@pytest.fixture(scope="module")
def client():
    # threads, not processes: two workers fit the two cores of CI; the engine is still shipped through the graph
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        with Client(cluster) as c:
            yield c


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cluster")
    good = (ROOT / "examples" / "batch" / "facts.jsonl").read_text(encoding="utf-8").splitlines()
    (tmp / "a.jsonl").write_text("\n".join(good[:25]) + "\n{}\nnot json\n\n" + good[0] + "\n", encoding="utf-8")
    (tmp / "b.jsonl").write_text("\n".join(good[25:]) + "\n", encoding="utf-8")
    books = tmp / "books"
    books.mkdir()
    assert main(["template", str(RULES), "-o", str(books / "甲.xlsx"), "--facts", str(SEED_FACTS)]) == 0
    (books / "乙.xlsx").write_bytes(b"not a workbook")
    (books / "丙.json").write_text(SEED_FACTS.read_text(encoding="utf-8"), encoding="utf-8")
    return [tmp / "a.jsonl", tmp / "b.jsonl", books]


def _eval(paths, tmp_path, *flags) -> bytes:
    out = tmp_path / "out.jsonl"
    assert main(["eval", str(RULES), *map(str, paths), "--format", "json", *flags, "-o", str(out)]) == 1
    return out.read_bytes()


@pytest.mark.parametrize("trace,flags", [(False, ["--no-trace"]), ("compact", ["--compact-trace"]), (True, [])])
def test_a_bag_gives_perfdsl_eval_byte_for_byte(client, batch, tmp_path, trace, flags):
    engine = perfdsl.load(RULES)
    lines = bag(engine, batch, trace=trace).compute()
    assert "".join(lines).encode("utf-8") == _eval(batch, tmp_path, *flags)
    assert len(lines) == 25 + 3 + 15 + 3  # a.jsonl: 25 good, {}, not json, good again (the blank line skipped)
    seed, broken, book = (json.loads(x) for x in lines[-3:])  # books/: 丙.json, 乙.xlsx, 甲.xlsx
    assert (seed["score"], seed["grade"], book["score"], book["grade"]) == ("96.67", "优", "96.67", "优")
    codes = [json.loads(x)["errors"][0]["code"] for x in lines[25:27]] + [broken["errors"][0]["code"]]
    assert codes == ["F013", "F002", "F031"]  # {} lacks every fact; not JSON; not a workbook


def test_a_directory_is_read_as_perfdsl_eval_reads_it(batch):
    files = inputs([batch[2]])
    assert [p.rsplit("/", 1)[-1] for p, _ in files] == ["丙.json", "乙.xlsx", "甲.xlsx"]  # by code point
    assert all(in_directory for _, in_directory in files) and len(files) == 3
