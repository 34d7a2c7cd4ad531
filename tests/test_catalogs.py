"""Every message in the code is translated in both catalogs, with the same placeholders."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.settings import PROJECT_ROOT, SUPPORTED_LOCALES

PLACEHOLDER = re.compile(r"\{[a-z_][a-z0-9_]*(?:![rsa])?(?::[^{}]*)?\}")
TAG = re.compile(r"</?[a-z-]+")
SOURCE_DIRS = ("bot", "handlers", "webchat")


def forms(text) -> list[str]:
    """A message's text, or each of its plural forms."""
    return list(text) if isinstance(text, tuple | list) else [text]


def catalog(locale: str):
    with (PROJECT_ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=locale)


def messages_in_code() -> set[str]:
    found = set()
    for directory in SOURCE_DIRS:
        if not (PROJECT_ROOT / directory).is_dir():
            continue
        for _file, _line, message, _comments, _context in extract_from_dir(
            PROJECT_ROOT / directory, method_map=[("**.py", "python")],
            keywords={"_": None, "__": None, "gettext": None, "lazy_gettext": None},
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_message_in_the_code_is_translated(locale: str) -> None:
    entries = {forms(message.id)[0]: message for message in catalog(locale) if message.id}
    missing = sorted(m for m in messages_in_code() if m not in entries or not all(forms(entries[m].string)))
    fuzzy = sorted(m for m, entry in entries.items() if entry.fuzzy)
    assert not missing, f"{locale}: untranslated — run `make messages` and translate: {missing}"
    assert not fuzzy, f"{locale}: fuzzy translations to check: {fuzzy}"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_placeholders_and_tags_match_between_msgid_and_msgstr(locale: str) -> None:
    for message in catalog(locale):
        if not message.id or not message.string:
            continue
        source = forms(message.id)[-1]
        for translated in forms(message.string):
            assert set(PLACEHOLDER.findall(source)) == set(PLACEHOLDER.findall(translated)), message.id
            assert sorted(TAG.findall(source)) == sorted(TAG.findall(translated)), message.id


def test_chinese_catalog_is_chinese() -> None:
    """A zh_CN entry copied from English by mistake shows as English to a Chinese worker."""
    untranslated = [m.id for m in catalog("zh_CN") if m.id and all(forms(m.string))
                    and not any(re.search(r"[\u4e00-\u9fff]", text) for text in forms(m.string))
                    and re.search(r"[a-zA-Z]{4}", forms(m.id)[0]) and not forms(m.id)[0].startswith("/")]
    assert not untranslated, untranslated


def test_compiled_catalogs_are_fresh() -> None:
    for locale in SUPPORTED_LOCALES:
        po = PROJECT_ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po"
        mo = Path(po).with_suffix(".mo")
        assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, f"run `make catalogs` for {locale}"
