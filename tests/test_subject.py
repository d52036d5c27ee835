"""评价对象: a per-unit list names the unit (the 标题's text facts), not the report's title."""

import json
from pathlib import Path

import perfdsl
from perfdsl.cli import main
from perfdsl.render.subject import Subject, subject_paths

ROOT = Path(__file__).resolve().parent.parent

TWO_NAMES = """
体系 区县评价 {
  标题 "{地区}{单位.名称} {评价年度}年度部门整体支出绩效评价（{单位.名称}）"
}
事实 {
  地区: 文本
  评价年度: 整数
  单位 { 名称: 文本  人数: 整数 }
  完成率: 比率
}
指标 完成 分值 100 { 得分 = 完成率 × 100 }
"""


def _rules(tmp_path, text):
    (tmp_path / "r.perf").write_text(text, encoding="utf-8")
    return perfdsl.load(tmp_path / "r.perf").rules


def test_the_seed_and_the_examples_name_their_unit_by_the_titles_text_fact():
    assert subject_paths(perfdsl.load(ROOT / "rules").rules) == (("被评价单位",),)
    project = perfdsl.load(ROOT / "examples" / "project-expenditure" / "rules").rules
    assert subject_paths(project) == (("项目名称",),)  # a project evaluation: the project is what is evaluated


def test_every_text_fact_of_the_title_once_in_its_order_numbers_left_out(tmp_path):
    subject = Subject(_rules(tmp_path, TWO_NAMES))
    assert subject.paths == (("地区",), ("单位", "名称"))  # 评价年度 is a year, 完成率 not in the title
    facts = {"地区": "和平区", "评价年度": 2024, "单位": {"名称": "政务服务办公室", "人数": 3}, "完成率": 0.5}
    assert subject(json.dumps(facts, ensure_ascii=False), "标题") == "和平区 政务服务办公室"
    # a fact given with its evidence (佐证材料) is named by its value
    facts["地区"] = {"值": "河西区", "来源": "机构编制文件"}
    assert subject(json.dumps(facts, ensure_ascii=False), "标题") == "河西区 政务服务办公室"


def test_without_the_names_a_row_is_named_by_its_title(tmp_path):
    subject = Subject(_rules(tmp_path, TWO_NAMES))
    assert subject('{"评价年度": 2024}', "某标题") == "某标题"
    assert subject("{not json", "某标题") == "某标题"
    assert subject.names('{"评价年度": 2024}') is None
    assert subject('{"单位": {"名称": "办公室"}}', "某标题") == "办公室"  # what there is
    numbers_only = Subject(_rules(tmp_path, '体系 甲 { 标题 "{年度}年度评价" }\n事实 { 年度: 整数 }\n'
                                  "指标 乙 分值 100 { 得分 = 100 }\n"))
    assert numbers_only.paths == () and numbers_only('{"年度": 2024}', "2024年度评价") == "2024年度评价"
    untitled = Subject(_rules(tmp_path, "事实 { 名称: 文本 }\n指标 乙 分值 100 { 得分 = 100 }\n"))
    assert untitled.paths == () and untitled('{"名称": "甲"}', "规则集名") == "规则集名"


def test_a_project_batch_names_each_project_on_the_screen(tmp_path, capsys):
    project = ROOT / "examples" / "project-expenditure"
    facts = json.loads((project / "facts-2024.json").read_text(encoding="utf-8"))
    other = {**facts, "项目名称": "另一个项目"}
    batch = tmp_path / "p.jsonl"
    batch.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in (facts, other)) + "\n", encoding="utf-8")
    assert main(["eval", str(project / "rules"), str(batch)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[2] for line in lines] == [facts["项目名称"], "另一个项目"]
    assert all("年度项目支出绩效评价" not in line for line in lines)
