"""The one table of diagnostic codes: what each means and how to fix it.

Every code perfdsl reports is listed here, so a code cannot be invented in
passing (``diagnostics.error``/``warning`` refuse an unlisted one) and the
reference page ``docs/errors.md`` is generated from this table, with the example of each code
(``code_examples.py``) that ``perfdsl explain-code`` prints and the tests run.
"""

from __future__ import annotations

from typing import NamedTuple


class CodeInfo(NamedTuple):
    severity: str  # "error" | "warning"
    title: str  # what it means, in a few words
    fix: str  # how to fix it, in one line


# code -> (severity, title, fix), grouped by the first letter and hundred (see GROUPS).
CODES: dict[str, CodeInfo] = {
    # ---------------------------------------------------------------- syntax
    "E000": CodeInfo("error", "规则文件有语法错误", "按消息所指的位置修改；文法见 docs/language.md"),
    "E001": CodeInfo("error", "无法识别的字符", "删除这个字符，或换成消息中建议的写法（如半角符号）"),
    "E002": CodeInfo("error", "规则文件意外结束，通常是 { 没有闭合",
                     "在注释所指的 { 之后补上对应的 }，或补全最后一条语句"),
    "E003": CodeInfo("error", "此处不应出现这个词或符号",
                     "按消息列出的“应为”修改；关键字之后要有空格，关键字不能用作名称"),
    "E004": CodeInfo("error", "区间不能写作 ≠ x", "写成两个区间，如 < x 与 > x"),
    "E010": CodeInfo("error", "数字过长或无效", "检查这个数字是否多粘贴了数位；数字的位数不能超过上限"),
    "E011": CodeInfo("error", "规则中的日期不存在", "改为日历上存在的日期，写成 2024年6月30日 的形式"),
    # ---------------------------------------------------------------- rule files and indicator structure
    "E100": CodeInfo("error", "找不到规则文件或目录", "检查命令中的规则路径"),
    "E101": CodeInfo("error", "目录中没有 .perf 规则文件", "给出存放 .perf 文件的目录，或检查文件的扩展名"),
    "E102": CodeInfo("error", "无法读取规则文件", "检查文件是否存在、是否有读取权限"),
    "E103": CodeInfo("error", "规则文件过大", "把规则拆成几个文件；检查是否把数据文件误放进了规则目录"),
    "E104": CodeInfo("error", "规则文件不是 UTF-8 编码（GB18030/GBK、没有 BOM 的 UTF-16 等）",
                     "把文件另存为 UTF-8 编码（记事本“另存为”选 UTF-8，或 iconv -f GB18030 -t UTF-8）"),
    "E105": CodeInfo("error", "规则文件中有 NUL 字符", "删除这个字符；文件可能已损坏，或不是文本文件"),
    "E106": CodeInfo("error", "规则嵌套过深，无法解析",
                     "减少括号或 若…则…否则 的嵌套层数，把中间结果用 令 写成单独的值"),
    "E107": CodeInfo("error", "表达式嵌套过深（超过 1,000 层，或括号、调用与 若 的嵌套超过 50 层）",
                     "把表达式的一部分写成单独的 令 值，再引用它；上限见 docs/robustness.md"),
    "E110": CodeInfo("error", "同一名称定义了两次（体系、事实、类型、枚举或值）", "删除其中一个定义，或给其中一个改名"),
    "E111": CodeInfo("error", "记录类型中有重复的字段", "删除重复的字段，或给其中一个改名"),
    "E112": CodeInfo("error", "类型直接或间接包含自身", "去掉类型之间的循环引用"),
    "E113": CodeInfo("error", "引用了未定义的类型或枚举", "检查名称的拼写（消息中给出相近的名称），或补上它的定义"),
    "E117": CodeInfo("error", "声明的事实或值与关键字同名，规则中无法引用它",
                     "换一个名称（关键字表见 docs/language.md）；记录中的字段用 . 引用，可以与关键字同名"),
    "E120": CodeInfo("error", "同一上级之下有两个同名指标", "给其中一个指标改名"),
    "E121": CodeInfo("error", "指标写明的级别与它所在的层级不符",
                     "把 一级指标/二级指标/三级指标 改为它实际所在的级别，或只写 指标"),
    "E122": CodeInfo("error", "指标或子项的分值为负数", "分值写 0 或正数；扣分用 扣、逐项扣 或 减分 表达"),
    "E123": CodeInfo("error", "有下级指标的指标不能再有自己的评分语句", "把 子项/得分/扣 移到末级指标中"),
    "E124": CodeInfo("error", "指标的分值与下级指标分值合计不符", "把分值改为下级合计，或调整下级指标的分值"),
    "E125": CodeInfo("error", "末级指标没有声明分值", "为这个指标写上 分值"),
    "E126": CodeInfo("error", "一个指标有多个 得分 公式", "只保留一个 得分 公式；分情况计分用 若…则…否则 或 区间"),
    "E127": CodeInfo("error", "得分 公式与子项不能同时使用", "二选一：用子项分别计分，或用一个 得分 公式"),
    "E128": CodeInfo("error", "一个指标中有两个同名子项", "给其中一个子项改名"),
    "E130": CodeInfo("error", "一级指标分值合计与体系的总分不符（不写 总分 时为 100）",
                     "调整一级指标的分值；若总分确实不是 100，在 体系 中写明，如 总分 120"),
    "E131": CodeInfo("error", "允许 之后不是警告代码，或没有写理由",
                     "写成 允许 W130 \"理由\"：只有警告（W…）能被接受，错误须改正"),
    # ---------------------------------------------------------------- bands (perfdsl check)
    "E160": CodeInfo("error", "区间有缺口：有些可能的取值不在任何一档内，评分会失败",
                     "补上覆盖缺口的一档；或在 事实 中声明取值范围（如 比率 [0, 1] 或 数值 ≥ 0），"
                     "或用 要求 写明这样的值不允许"),
    # ---------------------------------------------------------------- names and types (perfdsl check)
    "E201": CodeInfo("error", "逐项扣 的对象不是列表", "逐项扣 之后写一个列表类型的事实路径；检查 事实 中的声明"),
    "E202": CodeInfo("error", "表达式的类型不符（如此处需要数值或条件）", "按消息改写表达式，使它得到此处需要的值"),
    "E203": CodeInfo("error", "值的定义互相引用，形成循环", "打破循环：让其中一个值直接由事实计算"),
    "E204": CodeInfo("error", "不是枚举的取值", "改为枚举中列出的取值（注意错别字），或在枚举中补上这个取值"),
    "E205": CodeInfo("error", "查表没有覆盖枚举的全部取值", "为缺少的取值补上一项"),
    "E206": CodeInfo("error", "比较两侧的值无法比较", "让两侧同为数值，或同为文本/枚举"),
    "E207": CodeInfo("error", "存在(…) 需要一个事实路径", "括号中写一个事实路径"),
    "E209": CodeInfo("error", "未知函数", "检查函数名的拼写（消息中给出相近的名称）；可用的函数见 docs/language.md"),
    "E210": CodeInfo("error", "函数的参数个数不对", "按消息给出的个数改写调用"),
    "E211": CodeInfo("error", "函数的参数类型不对", "按消息改为所需类型的参数"),
    "E212": CodeInfo("error", "计算值不能再取字段", "直接对事实路径取字段"),
    "E213": CodeInfo("error", "[*] 只能用于列表或映射", "只对列表或映射类型的事实写 [*]"),
    "E214": CodeInfo("error", "这个事实不是记录，没有字段", "检查路径：只有记录类型的事实能用 . 取字段"),
    "E215": CodeInfo("error", "未知的名称：既不是已声明的事实，也不是已定义的值",
                     "检查拼写（消息中给出相近的名称），或在 事实 中声明它、用 令 定义它"),
    "E226": CodeInfo("error", "百分点(…) 的参数不是比率",
                     "写比率之差，如 百分点(执行率 − 90%)；若这个值确是比率，声明为 令 名称: 比率 = …"),
    # ---------------------------------------------------------------- evaluation
    "E301": CodeInfo("error", "评分时值的类型不符", "检查事实的取值与规则；先运行 perfdsl check"),
    "E302": CodeInfo("error", "评分时此处应为条件（真/假）", "检查事实的取值与规则；先运行 perfdsl check"),
    "E303": CodeInfo("error", "无法取字段：上一级不是记录", "检查事实文件的结构是否与 事实 中的声明一致"),
    "E304": CodeInfo("error", "缺少规则需要的事实",
                     "在事实文件中补上这个事实；若它可以缺失，声明为 可选 并在规则中用 存在(…) 处理"),
    "E305": CodeInfo("error", "评分时 [*] 的对象不是列表或映射", "事实文件中这个值应为列表或对象"),
    "E306": CodeInfo("error", "值的定义引用了它自身", "打破循环：让这个值直接由事实计算"),
    "E310": CodeInfo("error", "除数为零", "在规则中处理分母为 0 的情况，如 比值(a, b, 若为零的值)"),
    "E311": CodeInfo("error", "无法计算（数值溢出或运算无效）", "检查参与计算的事实是否过大或过小"),
    "E312": CodeInfo("error", "评分时比较两侧的值无法比较", "比较两侧应同为数值，或同为文本；先运行 perfdsl check"),
    "E320": CodeInfo("error", "值不在任何区间内",
                     "补上覆盖这个值的一档，或用 要求 写明它不允许（perfdsl check 的 E160 会提前指出缺口）"),
    "E321": CodeInfo("error", "值不在查表的取值中", "为这个取值补上一项，或检查事实中的取值是否写错"),
    "E330": CodeInfo("error", "评分时 存在(…) 没有事实路径", "括号中写一个事实路径"),
    "E331": CodeInfo("error", "评分时遇到未知函数", "检查函数名；先运行 perfdsl check"),
    "E332": CodeInfo("error", "函数的参数不对，无法计算", "检查函数参数的个数与取值"),
    "E340": CodeInfo("error", "总分不在任何等级区间内", "让 等级 的区间覆盖全部可能的总分（含加分、减分）"),
    "E350": CodeInfo("error", "输入不满足指标的 要求", "检查事实是否录入有误；若输入确实正确，修改规则中的 要求"),
    "E360": CodeInfo("error", "评分时 逐项扣 的对象不是列表", "事实文件中这个值应为列表"),
    "E361": CodeInfo("error", "逐级扣 的每级步长不大于 0", "把 每 后面的步长改为大于 0 的数，如 每 1%"),
    # ---------------------------------------------------------------- warnings (perfdsl check)
    "W120": CodeInfo("warning", "共享值没有被任何指标使用", "删除这个定义，或在指标中使用它"),
    "W121": CodeInfo("warning", "值已定义但没有被使用", "删除这个定义，或使用它"),
    "W130": CodeInfo("warning", "子项分值合计超过指标分值，得分会封顶", "调整子项分值，使合计等于指标分值"),
    "W131": CodeInfo("warning", "子项分值合计少于指标分值，满分不可达", "调整子项分值，或补上缺少的子项"),
    "W132": CodeInfo("warning", "若 的分支或区间的一档所得分数超过指标（或子项）的分值，得分会封顶",
                     "检查这个数字是否写错（如 12 写成了 120）；确需封顶时用 允许 W132 \"理由\" 接受"),
    "W140": CodeInfo("warning", "没有 体系 声明", "添加 体系 声明，写明舍入规则与等级"),
    "W141": CodeInfo("warning", "体系 没有声明舍入规则", "在 体系 中写明舍入规则，如 舍入 2 位 四舍五入"),
    "W142": CodeInfo("warning", "规则中没有任何指标", "检查规则路径，或添加指标"),
    "W143": CodeInfo("warning", "体系 没有 等级 区间：结果显示为「未定等级」",
                     "在 体系 中写 等级 { [90, 100] → 优; [80, 90) → 良; [60, 80) → 中; [0, 60) → 差 }"),
    "W150": CodeInfo("warning", "事实已声明但没有任何规则使用", "删除这个声明，或在规则中使用它"),
    "W161": CodeInfo("warning", "区间与前面的档次重叠：重叠部分按前一档计分",
                     "调整区间的端点（注意 ≤ 与 < 的开闭），使各档不重叠"),
    "W162": CodeInfo("warning", "这一档永远不会用到", "删除这一档，或修正它的区间"),
    "W180": CodeInfo("warning", "允许 的警告没有出现在这个指标上",
                     "删除这一行 允许；若警告在下级指标上，把 允许 写到那个指标中"),
    "W170": CodeInfo("warning", "酌情评分的上限超过分值", "把酌情评分的范围改为 [0, 分值]"),
    "W208": CodeInfo("warning", "对非可选事实使用 存在(…)，结果总为真", "把这个事实声明为 可选，或去掉 存在(…) 判断"),
    "W221": CodeInfo("warning", "比率与大于 1 的数比较（比率以小数表示，1 = 100%）", "写成百分数，如 90%"),
    "W227": CodeInfo("warning", "原样显示的文字中写了 {…}：不会换成值",
                     "值写进 扣 的理由、描述 或 逐项扣 的 理由（它们是模板）；要显示花括号本身，写 {{ 与 }}"),
    # ---------------------------------------------------------------- facts
    "F000": CodeInfo("error", "找不到或无法读取事实文件", "检查事实文件的路径与读取权限"),
    "F001": CodeInfo("error", "事实文件为空", "写入事实，或检查是否给错了文件"),
    "F002": CodeInfo("error", "事实文件的 JSON 格式错误",
                     "按消息中的行列修正 JSON（常见：缺逗号、键名没有双引号、多余的逗号）"),
    "F003": CodeInfo("error", "事实文件中有不允许的数字或重复的键",
                     "数字须是有限的十进制数、不能过长；同一对象中的键不能重复"),
    "F004": CodeInfo("error", "事实文件的 JSON 嵌套过深", "减少嵌套层数；检查文件是否损坏"),
    "F005": CodeInfo("error", "事实文件不是 UTF-8 编码", "把文件另存为 UTF-8 编码"),
    "F006": CodeInfo("error", "指定的 .jsonl 行不存在或是空行", "检查 文件.jsonl:行号 中的行号"),
    "F007": CodeInfo("error", "事实中的文本含有不成对的代理字符（\\ud800 之类），无法作为文字保存",
                     "删去或改正该处文字；多由程序截断 emoji 或错误转义产生"),
    "F008": CodeInfo("error", "一行（或一个事实文件）超过长度上限", "拆分该行，或设置 PERFDSL_MAX_LINE_BYTES 提高上限"),
    "F009": CodeInfo("error", "输入的是 perfdsl 的评分结果，而不是事实", "给出事实文件；评分结果不能再作为事实评分"),
    "F010": CodeInfo("error", "事实文件的顶层不是 JSON 对象", "把事实写成一个 JSON 对象 {…}"),
    "F011": CodeInfo("error", "事实的类型与声明不符", "按声明的类型改正事实（如数值不要加引号），或修改 事实 中的声明"),
    "F012": CodeInfo("error", "事实不是枚举允许的取值", "改为枚举中列出的取值"),
    "F013": CodeInfo("error", "缺少必需的事实", "补上这个事实；若它可以缺失，在 事实 中声明为 可选"),
    "F014": CodeInfo("error", "无法检查事实的 要求", "检查 要求 所用的事实是否齐全、类型是否正确"),
    "F015": CodeInfo("error", "事实不满足声明中的 要求", "检查事实是否录入有误"),
    "F016": CodeInfo("error", "酌情评分没有给出数值", "在酌情评分对象中写上分数"),
    "F017": CodeInfo("error", "酌情评分没有写明理由", "在酌情评分对象中写上 \"理由\""),
    "F018": CodeInfo("error", "数值超出声明的范围", "检查事实是否录入有误，或修改声明中的范围"),
    "F019": CodeInfo("error", "不是声明中允许的取值", "改为声明中列出的取值之一"),
    "F020": CodeInfo("warning", "规则没有声明这个事实，已忽略", "检查键名的拼写，或在 事实 中声明它"),
    "F021": CodeInfo("error", "比率超过 100%，可能把百分数写成了整数（85 当作 8500%）",
                     "写成 \"85%\" 或 0.85；若这个比率确实可能超过 100%，在声明中写明上限，如 比率 [0, 2]"),
    "F022": CodeInfo("error", "日期无效或写法无法识别",
                     "写成日历上存在的日期：\"2024-06-30\" 或 \"2024年6月30日\"（年月日都要写出，不能写“6月底”）"),
    "F030": CodeInfo("error", "这套规则的事实无法生成基础数据表", "按消息修改事实声明，或用 JSON 填写事实"),
    "F031": CodeInfo("error", "无法读取基础数据表（.xlsx）",
                     "确认文件是 perfdsl template 生成、用 Excel 或 WPS 保存的 .xlsx，没有加密或损坏"),
    "F032": CodeInfo("error", "基础数据表中单元格的值无法按声明读取",
                     "按消息所指的工作表与单元格改正：数字不带单位与千位分隔符，比率写 85%，"
                     "是/否与枚举从下拉列表中选择"),
    "F033": CodeInfo("error", "基础数据表中有必填的单元格为空", "按消息列出的单元格逐一填写"),
    "F034": CodeInfo("warning", "基础数据表由另一版本的规则生成",
                     "用 perfdsl template 按当前规则重新生成基础数据表，把数据填入新表"),
    "F035": CodeInfo("error", "事实文件不是 UTF-8 编码，且无法可靠地按其他编码读取",
                     "用编辑器（如记事本“另存为”）把文件另存为 UTF-8 编码"),
    # ---------------------------------------------------------------- perfdsl test case files
    "T001": CodeInfo("error", "测试用例文件的格式不对", "对照 docs/testing.md 中的格式修改"),
    "T002": CodeInfo("error", "无法读取测试用例文件", "检查文件的路径、读取权限与编码（UTF-8）"),
    "T003": CodeInfo("error", "找不到测试用例引用的事实文件", "检查 base 或 facts_file 的路径（相对于用例文件）"),
    # ---------------------------------------------------------------- perfdsl diff
    "D001": CodeInfo("error", "无法读取要比较的文件", "检查文件的路径与读取权限"),
    "D002": CodeInfo("error", "不是 perfdsl 的评分文档", "给出 perfdsl eval --format json 的输出"),
    "D003": CodeInfo("error", "两个文件的评分文档对不上",
                     "两批结果须是同一批事实按相同顺序评分的结果（两边各只有一套事实时可以不同，如两个年度）"),
    # ---------------------------------------------------------------- output files
    "O001": CodeInfo("error", "输出路径是一个目录", "给出文件名"),
    "O002": CodeInfo("error", "输出目录不存在", "先创建目录，或检查路径"),
    "O003": CodeInfo("error", "没有写入输出目录的权限", "换一个可写的目录，或修改目录的权限"),
    "O004": CodeInfo("error", "无法写入输出文件", "检查磁盘空间与权限"),
    "O005": CodeInfo("error", "输出文件就是输入文件（或其链接），写入会毁掉输入", "用 -o 指定另一个文件"),
    "O006": CodeInfo("error", "输出目标是块设备或套接字，不能写入", "用 -o 指定一个普通文件"),
    "O007": CodeInfo("error", "template -o 指向已填写的基础数据表，重新生成会清空已填的数据",
                     "用 --facts 旧表.xlsx -o 新表.xlsx 生成带入旧数据的新表，或先删除、改名旧表"),
    # ---------------------------------------------------------------- perfdsl serve
    "S001": CodeInfo("error", "工作台拒绝了这个请求：地址不是本机工作台、来自其他网站，或缺少访问令牌",
                     "用 perfdsl serve 启动时显示的完整地址（含令牌）在本机浏览器中打开工作台"),
    "S002": CodeInfo("error", "请求过大", "一次打开的文件或批量不要超过上限；更大的批量请用 perfdsl eval"),
    "S003": CodeInfo("error", "处理超过时限，已放弃等待", "减少一次处理的事实套数，或启动时用 --time-limit 放宽时限"),
    "S004": CodeInfo("error", "工作台无法处理这个请求",
                     "按消息修改：只打开规则与事实所在目录中的文件，选择列出的格式"),
    "S005": CodeInfo("error", "规则文件在网页打开之后已被修改（另一个标签页或其他编辑器），没有保存，以免覆盖",
                     "复制网页中的修改，刷新页面读取文件现在的内容，合并修改后再保存"),
    # ---------------------------------------------------------------- perfdsl expand, internal
    "X000": CodeInfo("error", "perfdsl 内部错误（perfdsl 的缺陷）",
                     "请附上命令、规则与事实文件报告此问题；设置 PERFDSL_DEBUG=1 可查看内部调用栈"),
    "X001": CodeInfo("error", "不是 perfdsl eval 写出的评分结果", "给出 perfdsl eval 的输出，而不是事实文件"),
    "X002": CodeInfo("error", "评分结果是用另一套规则得出的", "给出评分时用的规则目录"),
    "X003": CodeInfo("error", "评分结果已损坏，无法还原", "重新运行 perfdsl eval 得到评分结果"),
    "X004": CodeInfo("error", "评分结果由另一版本的 perfdsl 写出", "用写出它的同一版本还原，或用当前版本重新评分"),
}

# (code prefix, heading) in the order of docs/errors.md; a code belongs to the longest prefix it starts with.
GROUPS: tuple[tuple[str, str], ...] = (
    ("E0", "语法错误（解析规则文件）"),
    ("E1", "规则文件与指标结构"),
    ("E16", "区间（perfdsl check）"),
    ("E2", "名称与类型检查（perfdsl check）"),
    ("E3", "评分时的错误"),
    ("W", "警告（perfdsl check）"),
    ("F", "事实文件"),
    ("T", "测试用例文件（perfdsl test）"),
    ("D", "比较评分结果（perfdsl diff）"),
    ("O", "输出文件"),
    ("S", "网页工作台（perfdsl serve）"),
    ("X", "还原评分过程（perfdsl expand）与内部错误"),
)

SEVERITY_NAMES = {"error": "错误", "warning": "警告"}


def group_of(code: str) -> str:
    """The heading a code is listed under."""
    return max((g for g in GROUPS if code.startswith(g[0])), key=lambda g: len(g[0]))[1]
