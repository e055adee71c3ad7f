"""Property tests: arbitrary input to the OB parser and to header consolidation never crashes them.

The OB side may only refuse with its documented errors (``ObXmlError`` for the document,
``ObFormatError``, an ``ApplicationError``, for the content). Consolidation documents no error
at all: whatever a raw header holds ends up in the report (missing / inconsistent), never in a
traceback, because one odd file must not stop a night's ingest.
"""
from __future__ import annotations

import copy
import math
import xml.etree.ElementTree as ET
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.errors import ApplicationError
from domain.instruments import INSTRUMENTS
from domain.ob_format import ObFormatError, ObXmlError, obxml_to_dict, parse_ob
from pipelines.consolidation import ObContext, consolidate

DATA = Path(__file__).resolve().parent.parent / "data"
SAMPLE_XML = (DATA / "obxml" / "issp-spica-hd219080.obxml").read_bytes()
SAMPLE = obxml_to_dict(SAMPLE_XML)
FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- values a2p2 / a hand-written JSON could carry --------------------------------------------
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40),
    st.sampled_from(["", " ", "nan", "inf", "-inf", "1e400", "25:61:00", "+91:00:00", "12:00:00", "-3/3",
                     "3/-3", "19:42/02:42", "x/y", "/", "SCIENCE", "CALIBRATION", "CHARA", "SPICA", "MR720",
                     "S1 S2", "S1 S1", "\x00", "é", "\ud7ff", "0x10", "1_000", "  7  "]),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.text(max_size=12), children, max_size=5)),
    max_leaves=25,
)


def _paths(obj, prefix=()):
    """Every (path) inside a nested dict/list, to replace one of them with junk."""
    yield prefix
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            yield from _paths(value, (*prefix, i))


SAMPLE_PATHS = [p for p in _paths(SAMPLE) if p]


def _replace(payload: dict, path: tuple, value) -> dict:
    out = copy.deepcopy(payload)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def _parse_only_refuses(payload) -> None:
    try:
        parse_ob(payload)
    except ObFormatError as exc:
        assert isinstance(exc, ApplicationError) and exc.errors, "a refusal must name the bad fields"
        assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in exc.errors.items())


@FAST
@given(json_values)
def test_parse_ob_any_json_value_only_refuses(value):
    _parse_only_refuses(value)


@FAST
@given(st.sampled_from(SAMPLE_PATHS), json_values)
def test_parse_ob_sample_with_one_field_replaced_only_refuses(path, value):
    _parse_only_refuses(_replace(SAMPLE, path, value))


@FAST
@given(st.lists(st.tuples(st.sampled_from(SAMPLE_PATHS), json_values), min_size=2, max_size=6))
def test_parse_ob_sample_with_several_fields_replaced_only_refuses(changes):
    payload = SAMPLE
    for path, value in changes:
        try:
            payload = _replace(payload, path, value)
        except (KeyError, IndexError, TypeError):  # an earlier change removed that branch
            continue
    _parse_only_refuses(payload)


# --- documents -------------------------------------------------------------------------------------
def _xml_only_refuses(data: bytes | str) -> None:
    try:
        payload = obxml_to_dict(data)
    except ObXmlError as exc:
        assert str(exc), "the refusal must say why"
        return
    assert isinstance(payload, dict)
    _parse_only_refuses(payload)


@FAST
@given(st.binary(max_size=400))
def test_obxml_arbitrary_bytes_only_refused(data):
    _xml_only_refuses(data)


@FAST
@given(st.binary(max_size=200), st.integers(min_value=0, max_value=len(SAMPLE_XML)))
def test_obxml_sample_with_bytes_spliced_in_only_refused(junk, at):
    _xml_only_refuses(SAMPLE_XML[:at] + junk + SAMPLE_XML[at:])


@FAST
@given(st.integers(min_value=0, max_value=len(SAMPLE_XML)), st.sampled_from(["utf-8", "utf-16", "latin-1"]))
def test_obxml_truncated_or_reencoded_only_refused(cut, encoding):
    text = SAMPLE_XML[:cut].decode("utf-8", errors="ignore")
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    _xml_only_refuses(data)


tags = st.sampled_from(["name", "type", "SCTarget", "RA", "DEC", "DIAMETER", "HAinterval", "LSTinterval",
                        "observationConfiguration", "observationSchedule", "OB", "EXTRA_INFORMATIONS",
                        "parameter", "field", "interferometerConfiguration", "instrumentConfiguration",
                        "stations", "instrumentMode", "observationConstraints"])


@st.composite
def element_trees(draw, depth: int = 0) -> ET.Element:
    node = ET.Element(draw(tags))
    for attr in draw(st.lists(st.sampled_from(["id", "ref", "name", "value", "unit"]), max_size=3, unique=True)):
        node.set(attr, draw(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]),
                                    max_size=8)))
    if draw(st.booleans()):
        node.text = draw(st.one_of(scalars.map(str), st.just("")))
    if depth < 3:
        for child in draw(st.lists(element_trees(depth + 1), max_size=3)):
            node.append(child)
    return node


def _clean(text: str) -> str:
    return "".join(ch for ch in text if ch in "\t\n\r" or (ch >= " " and not 0xD800 <= ord(ch) <= 0xDFFF))


@FAST
@given(st.lists(element_trees(), max_size=6))
def test_obxml_random_well_formed_documents_only_refused(children):
    root = ET.Element("{http://www.jmmc.fr/aspro-ob/0.1}observingBlockDefinition")
    for child in children:
        for node in child.iter():
            node.text = _clean(node.text) if node.text else node.text
        root.append(child)
    _xml_only_refuses(ET.tostring(root, encoding="utf-8"))


# --- header consolidation --------------------------------------------------------------------------
KEYWORDS = sorted({kw.name for spec in INSTRUMENTS.values() for kw in spec.keywords})
header_values = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.sampled_from(["N/A", "UNKNOWN", "", "2024-03-03T04:00:00", "2024-13-45T99:00:00", "garbage", "60372.5",
                     "1e300", "nan", "T", "F", "TARGET", "REFERENCE", "HD 1000", "MR720", "Low_K", "SPICA",
                     "mircx", "S1-S2"]),
)
headers = st.dictionaries(st.sampled_from([*KEYWORDS, "ORIGIN", "COMMENT"]), header_values, max_size=len(KEYWORDS))
contexts = st.one_of(st.none(), st.builds(
    ObContext, source=st.sampled_from(["", "Observation 1 (OB 2)"]), target=st.sampled_from(["", "HD 1000", "x"]),
    program=st.sampled_from(["", "issp"]), mode=st.sampled_from(["", "MR720", "??"]),
    stations=st.sampled_from(["", "S1-S2"]), r0=st.one_of(st.none(), st.floats()),
    tau0=st.one_of(st.none(), st.floats()),
    calibrators=st.lists(st.sampled_from(["HD 2000", "HD 2001", ""]), max_size=2).map(tuple),
    positions=st.dictionaries(st.sampled_from(["HD 1000", "HD 2000", "x"]),
                              st.tuples(st.floats(allow_nan=True), st.floats(allow_nan=True)), max_size=2),
))


@FAST
@given(st.sampled_from(sorted(INSTRUMENTS)), headers, contexts)
def test_consolidation_never_raises_and_reports(instrument, header, ctx):
    spec = INSTRUMENTS[instrument]
    result = consolidate(header, spec, ctx)
    report = result.report
    assert set(report["missing"]) <= set(spec.required_keywords)
    assert report["complete"] == (not report["missing"])
    for kw in spec.keywords:  # whatever stays in the consolidated header has the keyword's type
        if kw.name in result.header:
            value = result.header[kw.name]
            assert isinstance(value, kw.type), (kw.name, value)
            if kw.type is float:
                assert math.isfinite(value), f"{kw.name}={value!r} cannot be written to a FITS header"
    assert len(result.history) == len(result.changes)
    assert header == dict(header)  # the caller's dict is not modified


def test_consolidation_garbage_date_is_reported_not_raised():
    """A DATE-OBS that astropy cannot read, and no MJD-OBS: reported as inconsistent, MJD-OBS missing."""
    spec = INSTRUMENTS["SPICA"]
    result = consolidate({"INSTRUME": "SPICA", "DATE-OBS": "yesterday evening"}, spec)
    assert "MJD-OBS" in result.report["missing"]
    assert any(i["keyword"] == "MJD-OBS" and "unreadable DATE-OBS 'yesterday evening'" in i["message"]
               for i in result.report["inconsistent"]), result.report["inconsistent"]


def test_consolidation_non_finite_numbers_are_reported():
    spec = INSTRUMENTS["MYSTIC"]
    result = consolidate({"INSTRUME": "MYSTIC", "MJD-OBS": float("nan"), "RA": "1e400", "R0": math.inf}, spec)
    assert not {"MJD-OBS", "RA", "R0"} & set(result.header)
    flagged = {i["keyword"] for i in result.report["inconsistent"]}
    assert {"MJD-OBS", "RA", "R0"} <= flagged
