"""How many people a typed answer counts ("12", "十几个", "我们一共12个人", "2.5万"), or why it counts none.

A head count is a whole number: "1.5", "0.5", "1/2" and "1e3" are not read as some other number (the
digits of "1e308" are not 308), and an answer that speaks of money ("付清一万三") is money, not people.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.understanding.numbers import NUMBER_PATTERN, parse_number
from bot.understanding.text import fold_case, normalise


class CountProblem(StrEnum):
    NO_NUMBER = "no_number"
    NOT_WHOLE = "not_whole"   # a fraction, a decimal or scientific notation
    MONEY = "money"           # an amount of money where people were counted


@dataclass(frozen=True)
class CountReading:
    value: int | None = None
    problem: CountProblem | None = None


_NUMBER = re.compile(NUMBER_PATTERN)
_PEOPLE = re.compile(
    rf"(?P<count>{NUMBER_PATTERN})\s?(?:个|名|位)?\s?(?:人(?!民币)|工人|工友|农民工|师傅|兄弟|同事|骑手|司机|员工|职工|"
    r"workers?|people|persons?|colleagues|riders|drivers|of us)"
)
_NOT_PLAIN = re.compile(r"\d\s?e\s?[-+]?\d|\d\s?/\s?\d|\b(?:inf|infinity|nan)\b")
_GROUPED_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?:\D|$))")
_MONEY = re.compile(r"元|块|¥|rmb|yuan|kuai|钱|工资|工钱|薪|欠|付|结清|还清|赔|补偿|owe|paid|pay\b|salary|wage")


def read_count(text: str) -> CountReading:
    """The number of people in a typed answer; with several numbers, the one followed by people
    ("3个班组共40人" is 40), else the largest ("我们一共十二" is 12, not the 一 of 一共)."""
    folded = _GROUPED_THOUSANDS.sub("", fold_case(normalise(text)).strip())
    if _NOT_PLAIN.search(folded):
        return CountReading(problem=CountProblem.NOT_WHOLE)
    counted = [match.group("count") for match in _PEOPLE.finditer(folded)]
    if not counted and _MONEY.search(folded):
        return CountReading(problem=CountProblem.MONEY)
    values = [value for span in (counted or _NUMBER.findall(folded)) if (value := parse_number(span)) is not None]
    if not values:
        return CountReading(problem=CountProblem.NO_NUMBER)
    if any(value != value.to_integral_value() for value in values):
        return CountReading(problem=CountProblem.NOT_WHOLE)
    return CountReading(value=int(max(values)))
