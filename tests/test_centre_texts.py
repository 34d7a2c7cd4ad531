"""A centre's contact lines for workers: its phone when the registry publishes one, nothing invented."""

from aiogram.utils.i18n import I18n

from bot.routing import load_registry
from bot.routing.cli import SAMPLE_CENTRES_FILE
from handlers.centre_texts import centre_contact_lines


def test_the_phone_is_shown_only_when_the_registry_has_one() -> None:
    centre = next(c for c in load_registry(SAMPLE_CENTRES_FILE).centres if c.address is not None)
    i18n = I18n(path="locales", default_locale="zh_CN", domain="messages")
    with i18n.context(), i18n.use_locale("zh_CN"):
        without = centre_contact_lines(centre, "zh_CN")
        with_phone = centre_contact_lines(centre.model_copy(update={"phone": "027-8389 1234"}), "zh_CN")
    assert not any("电话" in line for line in without)
    assert with_phone[:len(without)] == without and with_phone[-1] == "电话：027-8389 1234"
