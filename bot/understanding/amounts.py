"""Money in a message: which numbers are yuan, and which one is the amount claimed.

A number counts as money when a unit says so (元, 块, 万, w, k, RMB, ¥) or when a money word stands just
before it ("欠我8000"). Rates (月薪6000, 每天300) are not claims; "每人3000 共5人" is multiplied out; an
explicit total (一共, 合计, total) wins; otherwise the largest claim, so parts ("其中3000是加班费") are
not added twice. Where several workers are owed, the writer's own share is told apart: a per-person
amount, or one said of "我" ("我自己被欠了一万二", "欠我8000"), not of "我们".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from bot.understanding.numbers import NUMBER_PATTERN, as_plain_number, parse_number
from bot.understanding.text import fold_case, normalise


class AmountRole(Enum):
    """What an amount stands for in the story; only claims and totals make up the amount claimed."""

    CLAIM = "claim"
    TOTAL = "total"
    RATE = "rate"
    PER_PERSON = "per_person"
    PAID = "paid"  # what the employer did pay: not part of the claim


# Text is normalised first (NFKC), so full-width "￥" and "％" arrive as "¥" and "%".
_CURRENCY_BEFORE = r"(?:¥|rmb|cny|人民币)\s?"
_UNIT_AFTER = r"\s?(?:元|块钱|块|圆|人民币|rmb|yuan|cny|kuai)"
_MONEY = re.compile(
    rf"(?P<currency>{_CURRENCY_BEFORE})?(?P<number>{NUMBER_PATTERN})(?P<unit>{_UNIT_AFTER})?"
)
# Phone numbers, dates and times are numbers people type next to money words; hide them first.
_NOT_MONEY = re.compile(
    r"1[3-9]\d{9}|0\d{2,3}-\d{7,8}|\d{4}[-/.]\d{1,2}(?:[-/.]\d{1,2})?|\d{1,2}:\d{2}|\d{1,2}/\d{1,2}"
)
_MONEY_WORDS_BEFORE = re.compile(
    r"(?:欠|差|工资|公资|薪|工钱|钱|扣|罚|赔|补偿|金|费|提成|奖金|给了?|发了?|拿到|到手|结了?|付了?|共计|合计|总共|一共|"
    r"每人|每个人|人均|每位|"
    r"累计|总计|owe[sd]?|salary|wages?|pay|paid|deducted|fined|total|compensation)[^\d\n,。；;!?！？]{0,4}$"
)
# What a money word just before a number says it is; the nearest word wins ("三个月工资一共18000" is a total).
_ROLE_CUES = {
    AmountRole.RATE: re.compile(
        r"(?<![上个本这当])月(?:薪|工资)|每个?月|一个月|底薪|日薪|日结|每天|一天|时薪|每小时|一小时|每单|一单|单价|工价|"
        r"试用期工资|基本工资|工资标准|工资是|工资为|"
        r"per month|a month|monthly|per day|a day|daily|hourly|per hour"),
    AmountRole.PER_PERSON: re.compile(r"每人|每个人|人均|一人|每位|每个工友|each|per person|apiece"),
    AmountRole.TOTAL: re.compile(r"一共|总共|共计|合计|总计|累计|加起来|共|总额|in total|total of|total|altogether"),
    AmountRole.PAID: re.compile(
        r"只发了?|发了|只给了?|给了|拿到|到手|付了|结了|已付|已发|paid me|only paid|received|got"),
}
# Words between the cue and the number that keep the cue in force ("每人欠了", "一共是").
_CUE_GAP = re.compile(r"[^\d\n,。；;!?！？]{0,4}")
_RATE_AFTER = re.compile(
    r"^\s?(?:/|每|一个?)\s?(?:个)?(?:月|天|日|小时|单|h\b|hr|day|month)|^\s?(?:a|per) (?:month|day|hour)"
)
# A number followed by one of these counts something other than money.
_COUNT_AFTER = re.compile(
    r"^\s?(?:多|几|余|来)?\s?(?:个|名|位|人|天|日|号|月|年|周|星期|小时|点|单|次|岁|公里|km|%|栋|楼|层|米|平|斤|吨|台|辆|"
    r"件|张|条|分钟|workers?|people|days?|months?|years?|weeks?|hours?|orders?)"
)
_WORD_BEFORE = re.compile(r"[a-z]$")
# The writer speaks of their own money: "我" (not "我们") in the words just before the amount.
_MINE_BEFORE = re.compile(r"我(?!们)[^，。；;!?！？\n]*$|\b(?:me|my|i)\b(?!.*\bus\b)[^,.;!?\n]*$")


@dataclass(frozen=True)
class Amount:
    value: Decimal
    role: AmountRole
    mine: bool = False  # said of the writer alone, not of a group


def _is_money(match: re.Match[str], before: str, after: str, value: Decimal) -> bool:
    number = match.group("number")
    if _WORD_BEFORE.search(before) and not match.group("currency"):
        return False  # part of a word or code ("t3", "a4")
    if match.group("currency") or match.group("unit"):
        return True
    if _COUNT_AFTER.match(after):
        return False
    if any(char in number for char in "wk千仟万"):
        return True  # a magnitude written out is money here ("8千多"); counts were excluded above
    # A bare number ("欠我8000", "欠了一万二") needs a money word and a size that can be wages.
    has_digit = any(char.isdigit() or char in "一二两三四五六七八九壹贰叁肆伍陆柒捌玖" for char in number)
    return has_digit and value >= 100 and bool(_MONEY_WORDS_BEFORE.search(before))


def _role(before: str, after: str) -> AmountRole:
    if _RATE_AFTER.match(after):
        return AmountRole.RATE
    nearest, nearest_end = AmountRole.CLAIM, -1
    for role, cue in _ROLE_CUES.items():
        for match in cue.finditer(before):
            if match.end() > nearest_end and _CUE_GAP.fullmatch(before[match.end():]):
                nearest, nearest_end = role, match.end()
    return nearest


def find_amounts(folded: str) -> list[Amount]:
    """Every money amount in normalised, case-folded text, with what it stands for."""
    masked = _NOT_MONEY.sub(lambda match: " " * len(match.group()), folded)
    amounts = []
    for match in _MONEY.finditer(masked):
        value = parse_number(match.group("number"))
        if value is None or value == 0:
            continue
        before = masked[max(0, match.start() - 12):match.start()]
        after = masked[match.end():match.end() + 8]
        if _is_money(match, before, after, value):
            amounts.append(Amount(value, _role(before, after), mine=bool(_MINE_BEFORE.search(before))))
    return amounts


def claimed_total(amounts: list[Amount], workers: int | None) -> Decimal | None:
    """The total claimed, only from what the text states (see the module docstring)."""
    totals = [amount.value for amount in amounts if amount.role is AmountRole.TOTAL]
    if totals:
        return max(totals)
    per_person = [amount.value for amount in amounts if amount.role is AmountRole.PER_PERSON]
    if per_person and workers:
        return max(per_person) * workers
    claims = [amount.value for amount in amounts if amount.role is AmountRole.CLAIM]
    return max(claims) if claims else None


def own_share(amounts: list[Amount], workers: int | None) -> Decimal | None:
    """What the writer alone is owed when several workers are: a per-person amount, or a claim said of
    "我"; None for a story of one worker (the claimed total is theirs) or when only a group total is told."""
    if workers is None or workers < 2:
        return None
    per_person = [amount.value for amount in amounts if amount.role is AmountRole.PER_PERSON]
    if per_person:
        return max(per_person)
    mine = [amount.value for amount in amounts if amount.mine and amount.role in (AmountRole.CLAIM, AmountRole.TOTAL)]
    return max(mine) if mine else None


def parse_amount(text: str) -> int | Decimal | None:
    """An amount typed on its own ("一万二", "8千多", "2.5w", "6500 RMB", "12,500元"), in yuan."""
    folded = fold_case(normalise(text)).strip()
    match = re.fullmatch(rf"(?:约|大约|大概|差不多|about|around)?\s?(?:{_CURRENCY_BEFORE})?"
                         rf"(?P<number>{NUMBER_PATTERN})(?:{_UNIT_AFTER})?(?:左右)?", folded)
    value = parse_number(match.group("number")) if match else None
    if value is None:
        amounts = find_amounts(folded)
        value = amounts[0].value if len(amounts) == 1 else None
    return as_plain_number(value) if value is not None else None
