"""Who and where: the platform, the employer, the street, how many workers, and the kind of dispute."""

from __future__ import annotations

import re
from enum import StrEnum

from bot.understanding.numbers import NUMBER_PATTERN, parse_number


class Kind(StrEnum):
    PLATFORM = "platform"
    CONTRACT = "contract"
    WAGES = "wages"


# Canonical name -> how people write it (already Simplified and lower-cased by the caller).
# Courier networks count as platforms: their riders and couriers face the same questions of relation.
_PLATFORMS: dict[str, tuple[str, ...]] = {
    "美团": ("美团", "meituan", "美团外卖", "美团专送"),
    "饿了么": ("饿了么", "饿了吗", "饿了嘛", "饿么", "ele.me", "eleme", "蜂鸟"),
    "滴滴": ("滴滴", "嘀嘀", "didi"),
    "花小猪": ("花小猪",),
    "货拉拉": ("货拉拉", "lalamove", "huolala"),
    "快狗打车": ("快狗",),
    "满帮": ("满帮", "运满满", "货车帮"),
    "顺丰": ("顺丰", "sf express", "sf"),
    "京东": ("京东", "jd.com", "jd", "jingdong"),
    "闪送": ("闪送", "shansong", "flash ex"),
    "达达": ("达达", "dada"),
    "UU跑腿": ("uu跑腿",),
    "曹操出行": ("曹操出行", "曹操专车", "caocao"),
    "高德": ("高德", "amap", "gaode"),
    "T3出行": ("t3出行", "t3打车"),
    "中通": ("中通", "zto"),
    "圆通": ("圆通", "yto"),
    "韵达": ("韵达", "yunda"),
    "申通": ("申通", "sto express"),
    "极兔": ("极兔", "j&t"),
    "德邦": ("德邦", "deppon"),
}
_PLATFORM_PATTERN = re.compile(
    "|".join(
        # Latin names need word edges ("sf" inside "staff" is not SF Express).
        rf"(?P<p{index}>" + "|".join(
            rf"(?<![a-z]){re.escape(alias)}(?![a-z])" if alias.isascii() else re.escape(alias)
            for alias in sorted(aliases, key=len, reverse=True)
        ) + ")"
        for index, aliases in enumerate(_PLATFORMS.values())
    )
)
_CROWDSOURCED = re.compile(r"众包|crowdsourc")

# Bare names of the streets and areas workers name, in Dongxihu and Wuchang first (see data/gazetteer).
# The routing gazetteer resolves them; here we only need to recognise them in a sentence.
_KNOWN_STREETS = (
    "常青花园", "吴家山", "将军路", "慈惠", "径河", "长青", "金银湖", "东山", "新沟", "走马岭", "辛安渡", "柏泉",
    "临空港", "中南路", "徐家棚", "积玉桥", "水果湖", "首义路", "杨园", "粮道街", "中华路", "紫阳", "白沙洲",
    "南湖", "珞珈山", "光谷", "沌口", "汉正街", "王家湾", "街道口", "武广", "江汉路", "古田",
)
_STREET_SUFFIX = r"(?:新区街道|街道办事处|街道办|街道|社管办|新区|农场|街|镇)?"
_KNOWN_STREET = re.compile(
    "(?:" + "|".join(sorted(_KNOWN_STREETS, key=len, reverse=True)) + ")" + _STREET_SUFFIX
)
_NAMED_STREET = re.compile(r"[\u4e00-\u9fff]{2,5}?(?:街道办事处|街道办|街道|社管办|(?<![城乡村])镇)")
_DISTRICTS = re.compile(
    r"(?:东西湖|武昌|江汉|江岸|硚口|汉阳|洪山|青山|蔡甸|江夏|黄陂|新洲|汉南|东湖高新|经开)区?"
)
_ENGLISH_STREET = re.compile(r"\b[A-Z][a-z]{2,20}(?: [A-Z][a-z]{2,20})? (?:Street|Subdistrict|Road|District)\b")
# Words that end a name when read backwards from its suffix ("我在武汉某某公司" -> "武汉某某公司").
_CONTEXT_WORDS = (r"在|给|帮|替|被|去|到|跟|和|与|告|说|是|了|我|你|他|她|们|的|这|那|把|对|向|从|里|个|住|"
                  r"这家|那家|一家|叫|名叫|就职于|入职|投诉|举报|起诉|老板")
_NAME_STOP = re.compile(rf"(?:{_CONTEXT_WORDS})$")
# A street's name starts after its district or city ("东西湖区四新街道" -> "四新街道").
_STREET_STOP = re.compile(rf"(?:{_CONTEXT_WORDS}|区|市|省)$")

_EMPLOYER_SUFFIX = (
    r"有限责任公司|股份有限公司|有限公司|分公司|公司|集团|工厂|(?<![进出回在到去])厂|"
    r"餐厅|饭店|酒店|超市|项目部|劳务队|工作室|幼儿园|物业"
)
_EMPLOYER = re.compile(rf"[\u4e00-\u9fffa-zA-Z0-9()（）]{{1,24}}?(?:{_EMPLOYER_SUFFIX})")
_ENGLISH_EMPLOYER = re.compile(
    r"\b(?:[A-Z][\w&.-]*\s){1,5}(?:Co\.,? Ltd\.?|Co\., Limited|Ltd\.?|Limited|Company|Inc\.?|Corp\.?|Group|Factory)"
)
# Industry words alone ("建筑公司", "那个劳务公司") describe an employer but do not name one.
_GENERIC_NAME = re.compile(
    r"(?:武汉|湖北|本|这|那|该|我们|我|他们|原|前|新|一|小|大|黑心|外包|劳务|劳务派遣|派遣|建筑|装修|餐饮|物流|快递|"
    r"科技|网络|人力|中介|外卖|服务|电子|工程|贸易|商贸|物业|分|总|母|子|汽车|有限|责任|股份)*"
)

# Dates and durations are not names: "3月进厂", "入职半年公司".
_TIME_WORD = re.compile(r"[\d一二两三四五六七八九十半几]个?[年月日号天]")

_WORKER_NOUN = (r"(?:个|名|位)?\s?(?:人(?!民币)|工人|工友|农民工|师傅|兄弟|同事|骑手|司机|员工|职工|伙计|老乡|班组成员|"
                r"快递员|配送员|外卖员|店员|服务员|保安|保洁)")
_WORKERS = re.compile(rf"(?<!每)(?P<count>{NUMBER_PATTERN})\s?{_WORKER_NOUN}")
_ENGLISH_WORKERS = re.compile(
    r"\b(?P<count>\d{1,4}|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty)"
    r"(?: of us| (?:other )?(?:workers|people|employees|drivers|riders|colleagues|couriers))\b"
)
_ENGLISH_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30}


def find_platform(folded: str) -> str | None:
    """The first platform named, by its usual Chinese name; 美团 crowdsourcing is 美团众包."""
    match = _PLATFORM_PATTERN.search(folded)
    if match is None or match.lastgroup is None:
        return None
    name = list(_PLATFORMS)[int(match.lastgroup[1:])]
    if name == "美团" and _CROWDSOURCED.search(folded):
        return "美团众包"
    return name


def _trim_leading_context(candidate: str, stop: re.Pattern[str] = _NAME_STOP) -> str:
    """Drop the words before a name: the name runs back from its suffix to the nearest stop word."""
    for cut in range(len(candidate) - 1, -1, -1):
        if stop.search(candidate[:cut]):
            return candidate[cut:]
    return candidate


def find_employer(text: str) -> str | None:
    """The employer's name as written, when the text names one (not "公司" or "那个建筑公司")."""
    for match in _EMPLOYER.finditer(text):
        name = _trim_leading_context(match.group())
        suffix = re.search(rf"(?:{_EMPLOYER_SUFFIX})$", name)
        prefix = name[:suffix.start()] if suffix else name
        # Dates are not names: "3月进厂" must not become the employer "3月进厂".
        if len(prefix) >= 2 and not _GENERIC_NAME.fullmatch(prefix) and not _TIME_WORD.search(prefix):
            return name
    match = _ENGLISH_EMPLOYER.search(text)
    return match.group().strip() if match else None


def find_street(text: str) -> str | None:
    """The street or area as named: a known street first, then any "…街道/镇", then a district."""
    for pattern in (_KNOWN_STREET, _NAMED_STREET):
        for match in pattern.finditer(text):
            name = _trim_leading_context(match.group(), _STREET_STOP)
            if len(name) >= 2 and name not in ("街道", "社管办"):
                return name
    match = _DISTRICTS.search(text) or _ENGLISH_STREET.search(text)
    return match.group() if match else None


def find_workers(folded: str) -> int | None:
    """How many workers the text says are affected; approximate counts give their lower bound (十几 -> 10).

    One worker is not reported: "一个人" in a message is far more often an idiom than a head count.
    """
    counts = []
    for match in _WORKERS.finditer(folded):
        value = parse_number(match.group("count"))
        if value is not None and value == int(value):
            counts.append(int(value))
    for match in _ENGLISH_WORKERS.finditer(folded):
        word = match.group("count")
        counts.append(int(word) if word.isdigit() else _ENGLISH_NUMBERS[word])
    plausible = [count for count in counts if 2 <= count <= 10_000]
    return max(plausible) if plausible else None
