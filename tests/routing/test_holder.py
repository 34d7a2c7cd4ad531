"""Reloading the registry keeps the old one when the new file is bad."""

import yaml

from bot.routing import RegistryHolder

from .builders import STREET_A, centre_row


def write(path, *rows):
    path.write_text(yaml.safe_dump({"sample": True, "centres": list(rows)}, allow_unicode=True), encoding="utf-8")
    return path


def test_a_good_file_replaces_the_registry_and_its_index(tmp_path):
    path = write(tmp_path / "centres.yaml", centre_row("one", STREET_A))
    holder = RegistryHolder.from_file(path)
    write(path, centre_row("one", STREET_A), centre_row("two", STREET_A))

    result = holder.reload()

    assert result.ok and result.error is None and result.centres == 2 and result.sample
    assert len(holder.registry.index.within(STREET_A.lat, STREET_A.lon, 1.0)) == 2


def test_a_bad_file_is_refused_and_the_old_registry_stays(tmp_path):
    holder = RegistryHolder.from_file(write(tmp_path / "centres.yaml", centre_row("one", STREET_A)))
    before = holder.registry
    bad = write(tmp_path / "new.yaml", centre_row("two", STREET_A) | {"kind": "court"})

    result = holder.reload(bad)

    assert not result.ok and result.centres == 1
    assert result.error.startswith(f"{bad}: row 1 (centres[0], id 'two'): field 'kind'")
    assert holder.registry is before
