"""Understanding a complaint from one message: pure functions of (text, today), no bot and no database.

`understand` fills the intake's fields; the phrase parsers check a worker's typed answers.
"""

from bot.understanding.amounts import parse_amount
from bot.understanding.dates import ImpossibleDay, find_impossible_day, parse_date, parse_period
from bot.understanding.extract import understand
from bot.understanding.model import Understanding
from bot.understanding.moments import Moment, Unclear, parse_moment
from bot.understanding.parties import Kind

__all__ = [
    "ImpossibleDay", "Kind", "Moment", "Unclear", "Understanding", "find_impossible_day", "parse_amount", "parse_date",
    "parse_moment", "parse_period", "understand",
]
