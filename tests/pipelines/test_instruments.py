import pytest

from domain.instruments import CALIBRATION, INSTRUMENTS, SCIENCE, UnknownInstrument, get_instrument, is_placeholder


def test_registry_has_the_three_combiners_with_their_jsdc_columns():
    assert set(INSTRUMENTS) == {"SPICA", "MIRC-X", "MYSTIC"}
    assert get_instrument("SPICA").jsdc_diameter_column == "UDDR"
    assert get_instrument("mircx").jsdc_diameter_column == "UDDH"
    assert get_instrument("Mystic").jsdc_diameter_column == "UDDK"
    assert "MR720" in get_instrument("SPICA").modes and "Low_K" in get_instrument("MYSTIC").modes


def test_role_rules_per_instrument():
    spica, mystic = get_instrument("SPICA"), get_instrument("MYSTIC")
    assert spica.role_of({"PRO SCIENCE": True}) == SCIENCE
    assert spica.role_of({"PRO SCIENCE": False}) == CALIBRATION
    assert spica.role_of({}) is None
    assert spica.l1_role_of({"PRO CATG": "CALIB_RAW_INT"}) == CALIBRATION
    assert mystic.role_of({"OBJTYPE": "reference"}) == CALIBRATION
    assert mystic.l1_role_of({"OBJTYPE": "TARGET"}) == SCIENCE
    assert spica.keyword("MJD-OBS").unit == "d" and "DATE-OBS" in spica.required_keywords


def test_unknown_instrument_and_placeholders():
    with pytest.raises(UnknownInstrument):
        get_instrument("PIONIER")
    assert is_placeholder("N/A") and is_placeholder(" unknown ") and is_placeholder(None)
    assert not is_placeholder("HD 1234")
