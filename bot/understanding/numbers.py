"""Numbers as people type them: "一万二", "两千八", "叁仟伍佰", "1万2", "1.2万", "8千多", "十几", "2.5w", "3k".

Written here rather than taken from cn2an: cn2an reads clean numeral spans well but raises on the
colloquial marks around them (多, 几, w, k, mixed digits), which are most of what workers type.
Approximate numbers ("8千多", "十几") give their lower bound, the conservative reading.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "俩": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
    "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000, "k": 1000}
_BIG_UNITS = {"万": 10_000, "w": 10_000, "亿": 100_000_000}
_APPROXIMATE = "多余来几"

NUMERAL_CHARS = "".join(_DIGITS) + "".join(_SMALL_UNITS) + "".join(_BIG_UNITS) + "廿点"
# A number as typed: starts with a digit or numeral, may mix both, may end in an approximation mark.
# Bounded repetition keeps matching linear on long runs of numerals.
NUMBER_PATTERN = (
    r"(?:\d|[零〇一壹二贰两俩三叁四肆五伍六陆七柒八捌九玖十拾百佰千仟万亿廿几])"
    # A comma or point belongs to the number only inside it ("12,500", "2.5"), not as punctuation after it.
    r"(?:[\d零〇一壹二贰两俩三叁四肆五伍六陆七柒八捌九玖十拾百佰千仟万亿廿点几多余来]|,(?=\d{3})|\.(?=\d)"
    r"|(?<=\d)[wk](?![a-z])){0,16}"
)

_GROUPED_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?:\D|$))")
# "两三千", "七八个": two neighbouring digits mean "between"; the first is the lower bound.
_DIGIT_PAIR = re.compile(r"([一二两三四五六七八九])[一二三四五六七八九](?=[十百千万]|$)")
_UNKNOWN_PLACE = re.compile(r"几[十百千]?")


def _tokens(span: str) -> list[Decimal | str] | None:
    """Arabic runs become Decimals, numeral digits Decimals, units stay as characters."""
    tokens: list[Decimal | str] = []
    arabic = re.compile(r"\d+(?:\.\d+)?")
    position = 0
    while position < len(span):
        char = span[position]
        match = arabic.match(span, position)
        if match:
            tokens.append(Decimal(match.group()))
            position = match.end()
            continue
        if char in _DIGITS:
            tokens.append(Decimal(_DIGITS[char]))
        elif char == "廿":
            tokens.append(Decimal(20))
        elif char in _SMALL_UNITS or char in _BIG_UNITS:
            tokens.append(char)
        else:
            return None
        position += 1
    return tokens


def _chinese_decimal(span: str) -> str:
    """"一点五万" -> "1.5万": digits on both sides of 点 become Arabic."""
    def arabic(match: re.Match[str]) -> str:
        return "".join(str(_DIGITS.get(char, char)) for char in match.group())

    return re.sub(r"[\d零〇一二两三四五六七八九]+点[\d零〇一二两三四五六七八九]+", arabic, span).replace("点", ".")


def _evaluate(tokens: list[Decimal | str]) -> Decimal | None:
    total = Decimal(0)       # the part already multiplied by 万 or 亿
    section = Decimal(0)     # below the last 万/亿
    pending: Decimal | None = None
    last_unit: int | None = None
    section_unit: int | None = None  # the last small unit of this section: they must come in falling order
    after_zero = False
    for token in tokens:
        if isinstance(token, Decimal):
            if pending is not None:
                return None
            if token == 0 and last_unit is not None:
                after_zero = True  # "一万零五" is 10005, not the colloquial 15000
                continue
            pending = token
        elif token in _SMALL_UNITS:
            unit = _SMALL_UNITS[token]
            if section_unit is not None and unit >= section_unit:
                return None  # "五百一千" is two numbers ("five hundred, a thousand"), not 1500
            section += (Decimal(1) if pending is None else pending) * unit
            pending, last_unit, section_unit, after_zero = None, unit, unit, False
        else:
            if pending is None and section == 0 and total == 0:
                return None
            section += pending or 0
            if token == "亿":
                total = (total + section) * _BIG_UNITS[token]
            else:
                total += section * _BIG_UNITS[token]
            section, pending, last_unit, section_unit, after_zero = Decimal(0), None, _BIG_UNITS[token], None, False
    if pending is not None:
        # A lone digit right after a unit is the next place down: "一万二" 12000, "两千八" 2800, "十二" 12.
        colloquial = last_unit is not None and not after_zero and pending < 10 and pending == int(pending)
        section += pending * (last_unit // 10) if colloquial and last_unit >= 10 else pending
    return total + section


def parse_number(span: str) -> Decimal | None:
    """The value of one number as typed (no surrounding words), or None if it is not one."""
    text = span.strip().lower()
    if not text or len(text) > 24:
        return None
    text = _GROUPED_THOUSANDS.sub("", text)
    if text.startswith(("几", "多", "余", "来", "百", "佰", "千", "仟", "万", "亿", "k", "w")):
        return None  # "几千", "上千" (a bare unit) give no number to rely on
    text = _DIGIT_PAIR.sub(r"\1", text)
    text = _UNKNOWN_PLACE.sub("", text).rstrip(_APPROXIMATE)
    text = _chinese_decimal(text).rstrip(".")
    if any(char in _APPROXIMATE for char in text):
        text = text.replace("多", "").replace("余", "").replace("来", "")  # "一百多万": the lower bound
    tokens = _tokens(text) if text else None
    if not tokens:
        return None
    try:
        value = _evaluate(tokens)
    except InvalidOperation:
        return None
    return value if value is not None and value >= 0 else None


def as_plain_number(value: Decimal) -> int | Decimal:
    """An int when whole (JSON-friendly), else the Decimal rounded to fen."""
    return int(value) if value == value.to_integral_value() else value.quantize(Decimal("0.01"))
