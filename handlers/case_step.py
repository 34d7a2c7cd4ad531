"""A step on a filed case (a typed withdrawal reason, evidence added later) taken in the middle of
something else: it keeps what the chat was doing before (an open complaint draft) and returns to it."""

from __future__ import annotations

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.utils.i18n import gettext as _

from bot.chat.outbound import send_text

STEP_KEY = "case_step"


class CaseStep(StatesGroup):
    withdraw_reason = State()
    evidence = State()


async def enter_case_step(state: FSMContext, step: State, case_id: int) -> None:
    data = await state.get_data()
    resume = data[STEP_KEY]["resume"] if STEP_KEY in data else await state.get_state()
    await state.update_data({STEP_KEY: {"case_id": case_id, "resume": resume}})
    await state.set_state(step)


async def leave_case_step(state: FSMContext) -> bool:
    """Back to what the chat was doing before the case step; True when that is an open draft."""
    data = await state.get_data()
    if STEP_KEY not in data:
        return False
    step = data.pop(STEP_KEY)
    await state.set_data(data)
    await state.set_state(step["resume"])
    return step["resume"] is not None


async def finish_case_step(bot: Bot, chat_id: int, state: FSMContext) -> None:
    """Leave the case step and, if a complaint was being filled in, say how to go on with it."""
    if await leave_case_step(state):
        await send_text(bot, chat_id, _("Your complaint draft is still open: send /new to go on with it."))


async def step_case_id(state: FSMContext) -> int | None:
    return (await state.get_data()).get(STEP_KEY, {}).get("case_id")
