"""ob_format against the real a2p2 package: same dict, every bad field named, obxml round trip."""
from __future__ import annotations

import copy
import json

import pytest

from domain.ob_format import ObFormatError, ob_to_obxml, obxml_to_dict, parse_ob
from tests.obs_server.conftest import MYSTIC_OBXML, SPICA_OBXML, a2p2_dict


@pytest.mark.parametrize("path", [SPICA_OBXML, MYSTIC_OBXML])
def test_obxml_to_dict_equals_a2p2(path):
    ours = obxml_to_dict(path.read_bytes())
    theirs = a2p2_dict(path)
    assert ours == theirs
    assert json.dumps(ours) == json.dumps(theirs)  # same key order too


def test_parse_spica_sample(spica_payload):
    ob = parse_ob(spica_payload)
    assert (ob.interferometer, ob.instrument, ob.mode) == ("CHARA", "SPICA", "MR720")
    assert ob.stations == ["S1", "S2", "E1", "E2", "W1", "W2"]
    sci, cal = ob.targets
    assert (sci.name, sci.kind, cal.kind) == ("HD 219080", "SCIENCE", "CALIBRATION")
    assert sci.ra_deg == pytest.approx(348.1375062, abs=1e-6)  # 23:12:33.0015
    assert sci.dec_deg == pytest.approx(57.1683122, abs=1e-6)  # +57:10:05.924
    assert sci.pm_ra == 167.42 and sci.parallax == 47.30
    assert sci.fluxes == {"V": 4.52, "R": 4.20, "I": 4.02, "H": 3.74, "K": 3.64}
    assert sci.ha_interval == (-3.5, 3.5)
    assert sci.lst_interval == pytest.approx((19.7, 2.7))
    assert cal.diameter == 0.578
    assert ob.schedule == ["HD_218470", "HD_219080", "HD_218470"]


def test_numbers_as_numbers_accepted(spica_payload):
    payload = copy.deepcopy(spica_payload)
    sc = payload["observationConfiguration"][1]["SCTarget"]
    sc["DIAMETER"], sc["PMRA"], sc["FLUX_V"] = 0.578, -36.12, 5.68
    ob = parse_ob(payload)
    assert ob.targets[1].diameter == 0.578 and ob.targets[1].pm_ra == -36.12


def test_every_bad_field_named(spica_payload):
    bad = copy.deepcopy(spica_payload)
    bad["interferometerConfiguration"]["name"] = "VLTI"
    bad["interferometerConfiguration"]["stations"] = "S1 S2 X9"
    bad["instrumentConfiguration"]["instrumentMode"] = "MR999"
    bad["observationConfiguration"][0]["SCTarget"]["RA"] = "25:61:00"
    bad["observationConfiguration"][0]["SCTarget"]["PMRA"] = "fast"
    bad["observationConfiguration"][0]["observationConstraints"]["HAinterval"] = ["3/-3"]
    del bad["observationConfiguration"][1]["SCTarget"]["DIAMETER"]
    bad["observationSchedule"]["OB"][2]["ref"] = "HD_000000"
    with pytest.raises(ObFormatError) as exc:
        parse_ob(bad)
    errors = exc.value.errors
    assert set(errors) == {
        "interferometerConfiguration.name", "interferometerConfiguration.stations",
        "instrumentConfiguration.instrumentMode", "observationConfiguration[0].SCTarget.RA",
        "observationConfiguration[0].SCTarget.PMRA", "observationConfiguration[0].observationConstraints.HAinterval[0]",
        "observationConfiguration[1].SCTarget.DIAMETER", "observationSchedule.OB[2].ref",
    }
    assert "CHARA Array only" in errors["interferometerConfiguration.name"]
    assert "X9" in errors["interferometerConfiguration.stations"]
    assert "MR720" in errors["instrumentConfiguration.instrumentMode"]  # lists the known modes
    assert "HD_000000" in errors["observationSchedule.OB[2].ref"]


def test_science_target_required(spica_payload):
    payload = copy.deepcopy(spica_payload)
    payload["observationConfiguration"][0]["type"] = "CALIBRATION"
    payload["observationConfiguration"][0]["SCTarget"]["DIAMETER"] = "1.1"
    with pytest.raises(ObFormatError) as exc:
        parse_ob(payload)
    assert "SCIENCE" in exc.value.errors["observationConfiguration"]


def test_extra_modes_configurable(spica_payload):
    payload = copy.deepcopy(spica_payload)
    payload["instrumentConfiguration"] = {"name": "SILMARIL", "instrumentMode": "H"}
    with pytest.raises(ObFormatError):
        parse_ob(payload)
    assert parse_ob(payload, extra_modes={"SILMARIL": ["H"]}).instrument == "SILMARIL"


@pytest.mark.parametrize("path", [SPICA_OBXML, MYSTIC_OBXML])
def test_obxml_round_trip_read_by_a2p2(path, tmp_path):
    payload = a2p2_dict(path)
    for i, source in enumerate((payload, parse_ob(payload))):
        out = tmp_path / f"out{i}.obxml"
        out.write_text(ob_to_obxml(source))
        back = a2p2_dict(out)
        assert parse_ob(back) == parse_ob(payload)
        if i == 0:
            assert back == payload


def test_bad_xml_refused():
    from domain.ob_format import ObXmlError

    with pytest.raises(ObXmlError):
        obxml_to_dict(b"<a:observingBlockDefinition xmlns:a='x'><name>")
    with pytest.raises(ObXmlError):
        obxml_to_dict(b'<!DOCTYPE x [<!ENTITY e "boom">]><observingBlockDefinition/>')
