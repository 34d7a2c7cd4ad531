"""Reading an answer to the question on screen, typed or pressed, into a verdict or a value."""

from __future__ import annotations

from datetime import date

from aiogram.utils.i18n import gettext as _

from bot.intake.draft import Draft
from bot.intake.prefill import platform_choice
from bot.intake.questions import AnswerType, Question
from bot.intake.validation import Problem, Verdict, check, check_words, confirmed_count
from handlers.intake.texts import choice_label

# A yes or no typed instead of pressed: the button's label, in English, and the words workers use.
YES_WORDS = ("yes", "是", "对", "有")
NO_WORDS = ("no", "否", "没有", "不")


def typed_choice(question: Question, text: str) -> Verdict:
    """A typed answer to a button question: a button's label (or the platform's name) is taken."""
    folded = text.strip().casefold()
    if question.type is AnswerType.YES_NO:
        for value, labels in ((True, (_("Yes"), *YES_WORDS)), (False, (_("No"), *NO_WORDS))):
            if folded in {label.casefold() for label in labels}:
                return Verdict(value=value)
        return Verdict(problem=Problem.NOT_A_CHOICE)
    if question.code == "platform":  # a platform without a button, typed: a name, not only invisible characters
        named = check_words(text)
        return Verdict(value=platform_choice(named.value)) if isinstance(named.value, str) else named
    for value in question.choices:
        if folded in (value, choice_label(question.code, value).casefold()):
            return Verdict(value=int(value) if question.type is AnswerType.COUNT else value)
    return Verdict(problem=Problem.NOT_A_CHOICE)


def read_answer(question: Question, text: str, today: date, draft: Draft) -> Verdict:
    if question.type in (AnswerType.CHOICE, AnswerType.YES_NO):
        return typed_choice(question, text)
    if question.choices and (chosen := typed_choice(question, text)).ok:
        return chosen  # "Only me" typed instead of pressed
    start = draft.date_answer("start_date") if question.code == "end_date" else None
    return check(question, text, today, start=start)


def button_value(question: Question, value: str) -> bool | int | str | None:
    if question.type is AnswerType.YES_NO:
        return {"yes": True, "no": False}.get(value)
    if question.type is AnswerType.COUNT:
        return confirmed_count(value)  # "Only me", or a large count the worker confirms
    return value if value in question.choices else None
