"""A batch written to a .json file is one JSON array (docs/cli.md): the .jsonl lines as its elements, a line each,
streamed; the commands that read results back read it as they read JSON lines."""

import json

import pytest

from perfdsl.cli import main

from .conftest import ROOT, RULES, SEED_FACTS

EXAMPLE_LINES = (ROOT / "examples" / "batch" / "facts.jsonl").read_text(encoding="utf-8").splitlines()
BAD = '{"预算编制": '  # not JSON: its line's error document, in its place


@pytest.fixture
def batch(tmp_path):
    p = tmp_path / "batch.jsonl"
    p.write_text("\n".join([*EXAMPLE_LINES[:3], BAD, *EXAMPLE_LINES[3:5]]) + "\n", encoding="utf-8")
    return p


def _eval(batch, out, *flags):
    return main(["eval", str(RULES), str(batch), "--format", "json", *flags, "-o", str(out)])


@pytest.mark.parametrize("flags", [(), ("--no-trace",), ("--compact-trace",)])
def test_a_batch_to_a_json_file_is_the_array_of_the_jsonl_lines(batch, tmp_path, flags):
    lines_file, array_file = tmp_path / "r.jsonl", tmp_path / "r.json"
    assert _eval(batch, lines_file, *flags) == 1  # the bad line fails the batch, either way
    assert _eval(batch, array_file, *flags) == 1
    lines = lines_file.read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) == 7  # six documents, each ended by its line break
    # the layout by hand: [, then each .jsonl line with a comma but the last, then ]
    assert array_file.read_bytes() == b"[\n" + b",\n".join(lines[:-1]) + b"\n]\n"
    docs = json.loads(array_file.read_text(encoding="utf-8"))
    assert isinstance(docs, list) and len(docs) == 6
    assert docs == [json.loads(x) for x in lines[:-1]]
    # re-serialised the same way, byte for byte (a compact trace's steps are written without spaces: both sides)
    assert [json.dumps(d, ensure_ascii=False) for d in docs] == [
        json.dumps(json.loads(x), ensure_ascii=False) for x in lines[:-1]]
    assert [d["line"] for d in docs] == [1, 2, 3, 4, 5, 6]
    assert docs[3]["status"] == "error" and docs[3]["errors"][0]["code"] == "F002"
    assert all(d["status"] != "error" for i, d in enumerate(docs) if i != 3)


def test_the_format_is_inferred_from_the_json_suffix(batch, tmp_path):
    named, given = tmp_path / "named.JSON", tmp_path / "given.json"
    assert main(["eval", str(RULES), str(batch), "--no-trace", "-o", str(named)]) == 1
    assert _eval(batch, given, "--no-trace") == 1
    assert named.read_bytes() == given.read_bytes()
    assert len(json.loads(named.read_text(encoding="utf-8"))) == 6


@pytest.mark.parametrize("flags", [("--no-trace",), ("--compact-trace",), ()])
def test_two_workers_write_the_same_array_as_one(batch, tmp_path, flags):
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    assert _eval(batch, one, *flags) == 1
    assert _eval(batch, two, *flags, "-j", "2") == 1
    assert one.read_bytes() == two.read_bytes()


def test_an_empty_batch_is_an_empty_array(tmp_path, capsys):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    out = tmp_path / "r.json"
    assert _eval(empty, out) == 0
    assert out.read_text(encoding="utf-8") == "[]\n"
    assert json.loads(out.read_text(encoding="utf-8")) == []
    assert "共 0 套事实" in capsys.readouterr().err


def test_one_fact_set_to_a_json_file_is_still_its_indented_document(tmp_path):
    out = tmp_path / "r.json"
    assert main(["eval", str(RULES), str(SEED_FACTS), "--format", "json", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    doc = json.loads(text)
    assert isinstance(doc, dict) and doc["score"] == "96.67" and doc["grade"] == "优"
    assert text == json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def test_the_jsonl_output_is_unchanged_by_the_array(batch, tmp_path):
    """One line a document, no bracket, no comma: what every reader of .jsonl has read so far."""
    out = tmp_path / "r.jsonl"
    _eval(batch, out, "--no-trace")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 6 and all(x.startswith("{") and x.endswith("}") for x in lines)
    assert [json.loads(x)["line"] for x in lines] == [1, 2, 3, 4, 5, 6]


def test_diff_reads_the_array_as_it_reads_lines(batch, tmp_path, capsys):
    lines_file, array_file = tmp_path / "r.jsonl", tmp_path / "r.json"
    _eval(batch, lines_file, "--no-trace")
    _eval(batch, array_file, "--no-trace")
    capsys.readouterr()
    assert main(["diff", str(lines_file), str(array_file), "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert summary["kind"] == "summary" and summary["compared"] == 6 and summary["totals_changed"] == 0
    # a third of the scores moved: the array's side is read, not only counted
    moved = [json.loads(x) for x in lines_file.read_text(encoding="utf-8").splitlines()]
    moved[0]["score"] = "1.00"
    changed = tmp_path / "moved.json"
    changed.write_text("[\n" + ",\n".join(json.dumps(d, ensure_ascii=False) for d in moved) + "\n]\n",
                       encoding="utf-8")
    assert main(["diff", str(array_file), str(changed), "--format", "json"]) == 1
    first = json.loads(capsys.readouterr().out.splitlines()[0])
    assert first["kind"] == "change" and first["total"] == [json.loads(lines_file.read_text(
        encoding="utf-8").splitlines()[0])["score"], "1.00"]


def test_expand_reads_a_compact_array_and_writes_the_form_its_output_is_named_for(batch, tmp_path, capsys):
    traced_lines, traced_array = tmp_path / "t.jsonl", tmp_path / "t.json"
    compact = tmp_path / "c.json"
    _eval(batch, traced_lines)
    _eval(batch, traced_array)
    _eval(batch, compact, "--compact-trace")
    assert compact.read_bytes() != traced_array.read_bytes()
    to_array, to_lines = tmp_path / "e.json", tmp_path / "e.jsonl"
    # the bad line's error document is no compact trace: copied as it is, so nothing fails
    assert main(["expand", str(RULES), str(compact), "-o", str(to_array)]) == 0
    assert main(["expand", str(RULES), str(compact), "-o", str(to_lines)]) == 0
    assert to_array.read_bytes() == traced_array.read_bytes()
    assert to_lines.read_bytes() == traced_lines.read_bytes()
    # one line of it asked for by itself is its document, not an array of one (as eval writes one fact set)
    compact_lines, one = tmp_path / "c.jsonl", tmp_path / "第2行.json"
    _eval(batch, compact_lines, "--compact-trace")
    assert main(["expand", str(RULES), f"{compact_lines}:2", "-o", str(one)]) == 0
    assert one.read_bytes() == traced_lines.read_bytes().split(b"\n")[1] + b"\n"


def test_a_results_array_in_a_facts_folder_is_skipped_not_scored(batch, tmp_path, capsys):
    folder = tmp_path / "facts"
    folder.mkdir()
    (folder / "a.json").write_text(EXAMPLE_LINES[0], encoding="utf-8")
    _eval(batch, folder / "results.json", "--no-trace")
    capsys.readouterr()
    assert main(["eval", str(RULES), str(folder), "--no-trace", "-o", str(tmp_path / "o.json")]) == 0
    err = capsys.readouterr().err
    assert "results.json：这是 perfdsl 写出的评分结果" in err and "共 1 套事实：1 套成功" in err


def test_the_workbench_says_a_results_file_opened_as_facts_is_results(batch, tmp_path):
    from perfdsl.diagnostics import PerfdslError
    from perfdsl.serve.exchange import open_facts
    array = tmp_path / "结果.json"
    _eval(batch, array, "--no-trace")
    for data in (array.read_bytes(), array.read_bytes().split(b"\n")[1].rstrip(b",")):  # the array, one document
        with pytest.raises(PerfdslError) as caught:
            open_facts(None, {}, "结果.json", data)
        (problem,) = caught.value.diagnostics
        assert problem.code == "F009" and problem.message.startswith("结果.json：这是 perfdsl eval 写出的评分结果")
    facts = EXAMPLE_LINES[0].encode()
    assert open_facts(None, {}, "a.json", facts) == {"facts": EXAMPLE_LINES[0], "source": "a.json"}
