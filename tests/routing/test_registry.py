"""Loading the registry: the sample files load, and a bad row is named with its file, row and field."""

import json

import pytest
import yaml

from bot.routing import CentreKind, Datum, RegistryError, load_registry
from bot.settings import SAMPLE_CENTRES_FILE

from .builders import STREET_A, centre_row


def write(tmp_path, rows, suffix=".yaml", **header):
    path = tmp_path / f"centres{suffix}"
    data = {**header, "centres": rows}
    text = json.dumps(data, ensure_ascii=False) if suffix == ".json" else yaml.safe_dump(data, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_sample_registry_loads_and_says_it_is_sample_data():
    registry = load_registry(SAMPLE_CENTRES_FILE)

    assert registry.sample is True and registry.note
    kinds = {centre.kind for centre in registry.centres}
    assert kinds == set(CentreKind)
    datums = {centre.coordinates.datum for centre in registry.centres if centre.coordinates}
    assert datums == {Datum.WGS84, Datum.GCJ02}
    assert {"dxh-wujiashan", "dxh-jinghe", "dxh-arbitration", "wch-zhongnanlu"} <= {c.id for c in registry.centres}


@pytest.mark.parametrize("suffix", [".json", ".yaml", ".yml"])
def test_json_and_yaml_load_the_same_rows(tmp_path, suffix):
    registry = load_registry(write(tmp_path, [centre_row("jia", STREET_A)], suffix=suffix, sample=True))
    assert [centre.id for centre in registry.centres] == ["jia"]


def test_gcj02_coordinates_are_converted_to_wgs84(tmp_path):
    row = centre_row("jia", STREET_A, datum="gcj02")
    centre = load_registry(write(tmp_path, [row])).get("jia")
    assert 0.1 < centre.location.distance_km(STREET_A) < 0.8
    assert len(load_registry(write(tmp_path, [row])).index) == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"coordinates": {"lat": 30.6, "lon": 114.0, "datum": "bd09"}}, "coordinates.datum"),
    ({"mediators": -1}, "mediators"),
    ({"kind": "court"}, "kind"),
    ({"specialises_in": ["wages", "pensions"]}, "specialises_in.1"),
    ({"name": {"zh": "甲"}}, "name.en"),
    ({"coordinates": None}, "coordinates"),
    ({"colour": "red"}, "colour"),
])
def test_a_bad_row_names_the_file_the_row_and_the_field(tmp_path, change, field):
    rows = [centre_row("good", STREET_A), centre_row("bad", STREET_A) | change]
    path = write(tmp_path, rows)
    with pytest.raises(RegistryError) as raised:
        load_registry(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: row 2 (centres[1], id 'bad'): field '{field}'")
    assert "\n" not in message


def test_a_row_without_an_id_is_named_by_its_position(tmp_path):
    row = centre_row("x", STREET_A)
    del row["id"]
    with pytest.raises(RegistryError, match=r"row 1 \(centres\[0\]\): field 'id': Field required"):
        load_registry(write(tmp_path, [row]))


def test_duplicate_ids_are_refused(tmp_path):
    with pytest.raises(RegistryError, match=r"row 2 \(centres\[1\], id 'jia'\): field 'id': duplicate of row 1"):
        load_registry(write(tmp_path, [centre_row("jia", STREET_A), centre_row("jia", STREET_A)]))


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("centres.yaml", "centres: [", "not valid YAML"),
    ("centres.json", "{", "not valid JSON"),
    ("centres.yaml", "- just a list", "expected a mapping"),
    ("centres.txt", "", "unsupported file type"),
    ("centres.yaml", "centres: []\nsurprise: 1\n", "field 'surprise'"),
])
def test_a_bad_file_is_named(tmp_path, name, text, expected):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RegistryError, match=expected) as raised:
        load_registry(path)
    assert str(raised.value).startswith(str(path))


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(RegistryError, match="cannot read"):
        load_registry(tmp_path / "nowhere.yaml")
