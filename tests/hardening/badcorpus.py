"""The bad-input corpus: OB documents (committed under tests/data/bad/) and FITS files (written at test time).

`write_ob_corpus()` regenerates the committed OB files (run it after changing a case:
``python -m tests.hardening.badcorpus``); big and binary inputs are written by the
`*_fits` helpers into a test's temporary folder so no 100 MB file is ever committed.
Each case says which words the refusal must contain, so a test can check that the
error names the problem, not just that it is a 4xx.
"""
from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy.io import fits

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "data" / "bad"
SAMPLE_XML = ROOT / "tests" / "data" / "obxml" / "issp-spica-hd219080.obxml"


@dataclass(frozen=True)
class ObCase:
    name: str  # file name under tests/data/bad/
    content_type: str  # application/json | application/xml
    expect: tuple[str, ...]  # words (lower case) the refusal must contain, any of them
    why: str


OB_CASES = [
    ObCase("ob_not_an_object.json", "application/json", ("json object", "as_dict"), "a JSON list, not an object"),
    ObCase("ob_missing_fields.json", "application/json", ("missing", "no target"), "only a name"),
    ObCase("ob_wrong_types.json", "application/json", ("instrument", "station", "target", "not a number"),
           "lists where strings go, objects where numbers go"),
    ObCase("ob_numbers_not_finite.json", "application/json", ("finite", "not a number", "json compliant"),
           "NaN / Infinity / 1e400 in numeric fields"),
    ObCase("ob_bad_coordinates.json", "application/json", ("ra", "dec", "range"), "RA 25 h, Dec +91 deg"),
    ObCase("ob_invalid_utf8.json", "application/json", ("json", "utf", "decode", "parse"),
           "bytes that are not UTF-8"),
    ObCase("ob_latin1.json", "application/json", ("json", "utf", "decode", "parse"), "JSON encoded in Latin-1"),
    ObCase("ob_utf16.json", "application/json", ("json", "utf", "decode", "parse"), "JSON encoded in UTF-16"),
    ObCase("ob_truncated.json", "application/json", ("json", "parse"), "cut in the middle"),
    ObCase("ob_empty.json", "application/json", ("json", "parse", "missing"), "0 bytes"),
    ObCase("ob_deeply_nested.json", "application/json", ("json", "parse", "nest", "deep"),
           "100 000 nested lists (recursion)"),
    ObCase("ob_nul_in_name.json", "application/json", ("nul", "control", "character", "name"),
           "a NUL character inside the OB and target names"),
    ObCase("ob_billion_laughs.xml", "application/xml", ("dtd", "entit"), "billion laughs, UTF-8"),
    ObCase("ob_billion_laughs_utf16.xml", "application/xml", ("dtd", "entit", "amplification"),
           "billion laughs encoded in UTF-16 (a byte search for <!DOCTYPE does not see it)"),
    ObCase("ob_dtd_entity_utf16.xml", "application/xml", ("dtd", "entit"),
           "a harmless internal entity in UTF-16: DTDs are refused whatever the encoding"),
    ObCase("ob_xxe.xml", "application/xml", ("dtd", "entit"), "external entity file:///etc/passwd"),
    ObCase("ob_unknown_encoding.xml", "application/xml", ("encoding",), "encoding=\"KLINGON-8\""),
    ObCase("ob_latin1_undeclared.xml", "application/xml", ("well-formed", "xml", "encoding"),
           "Latin-1 bytes, no encoding declaration"),
    ObCase("ob_invalid_bytes.xml", "application/xml", ("well-formed", "xml"), "0xFF 0xFE junk inside an element"),
    ObCase("ob_truncated.xml", "application/xml", ("well-formed", "xml"), "cut in the middle"),
    ObCase("ob_wrong_root.xml", "application/xml", ("root element", "observingblockdefinition"), "an XHTML page"),
    ObCase("ob_empty.xml", "application/xml", ("well-formed", "xml", "empty", "missing"), "0 bytes"),
    ObCase("ob_extra_param_no_name.xml", "application/xml", ("extra_informations", "parameter", "name"),
           "EXTRA_INFORMATIONS <parameter> without its name attribute"),
    ObCase("ob_vlti.xml", "application/xml", ("chara",), "a VLTI OB sent to the CHARA queue"),
]

_LAUGHS = "".join(f' <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">\n' for i in range(1, 10))
BILLION_LAUGHS = ('<?xml version="1.0" encoding="{enc}"?>\n<!DOCTYPE lolz [\n <!ENTITY lol0 "lol">\n'
                  + _LAUGHS + ']>\n<observingBlockDefinition><name>&lol9;</name></observingBlockDefinition>\n')


def _sample_payload() -> dict:
    from domain.ob_format import obxml_to_dict

    return obxml_to_dict(SAMPLE_XML.read_bytes())


def ob_corpus_bytes() -> dict[str, bytes]:
    """Every committed OB case, by file name."""
    sample = _sample_payload()
    sample_xml = SAMPLE_XML.read_text(encoding="utf-8")
    out: dict[str, bytes] = {}
    out["ob_not_an_object.json"] = json.dumps([sample["name"], 1, 2]).encode()
    out["ob_missing_fields.json"] = json.dumps({"name": "only a name"}).encode()
    wrong = copy.deepcopy(sample)
    wrong["name"] = ["ISSP", "HD219080"]
    wrong["interferometerConfiguration"]["stations"] = 6
    wrong["instrumentConfiguration"] = ["SPICA", "MR720"]
    wrong["observationConfiguration"][0]["SCTarget"]["PMRA"] = {"value": 1}
    wrong["observationConfiguration"][1] = "HD 218470"
    out["ob_wrong_types.json"] = json.dumps(wrong).encode()
    nonfinite = json.dumps(sample).replace('"167.42"', "NaN").replace('"0.578"', "Infinity")
    nonfinite = nonfinite.replace('"47.30"', "1e400")
    out["ob_numbers_not_finite.json"] = nonfinite.encode()
    coords = copy.deepcopy(sample)
    coords["observationConfiguration"][0]["SCTarget"]["RA"] = "25:00:00"
    coords["observationConfiguration"][1]["SCTarget"]["DEC"] = "+91:00:00"
    out["ob_bad_coordinates.json"] = json.dumps(coords).encode()
    text = json.dumps(sample, ensure_ascii=False)
    out["ob_invalid_utf8.json"] = text.replace("HD 219080", "HD \udcff219080", 1).encode("utf-8", "surrogateescape")
    accented = json.dumps({**sample, "name": "ISSP_\u00e9toile_\u00e0_Mont_Wilson"}, ensure_ascii=False)
    out["ob_latin1.json"] = accented.encode("latin-1")
    out["ob_utf16.json"] = accented.encode("utf-16")
    out["ob_truncated.json"] = text.encode()[: len(text) // 2]
    out["ob_empty.json"] = b""
    out["ob_deeply_nested.json"] = b'{"name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    nul = copy.deepcopy(sample)
    nul["name"] = "ISSP\x00HD219080"
    nul["observationConfiguration"][0]["SCTarget"]["name"] = "HD\x00219080"
    out["ob_nul_in_name.json"] = json.dumps(nul).encode()
    out["ob_billion_laughs.xml"] = BILLION_LAUGHS.format(enc="UTF-8").encode("utf-8")
    out["ob_billion_laughs_utf16.xml"] = BILLION_LAUGHS.format(enc="UTF-16").encode("utf-16")
    body = sample_xml.split("?>", 1)[1].replace("<name>ISSP_HD219080_MR720</name>", "<name>&n;</name>")
    out["ob_dtd_entity_utf16.xml"] = ('<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE a:observingBlockDefinition '
                                      '[<!ENTITY n "ISSP_FROM_AN_ENTITY">]>' + body).encode("utf-16")
    out["ob_xxe.xml"] = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE a:observingBlockDefinition '
                         '[<!ENTITY n SYSTEM "file:///etc/passwd">]>' + body).encode("utf-8")
    out["ob_unknown_encoding.xml"] = sample_xml.replace('encoding="UTF-8"', 'encoding="KLINGON-8"').encode()
    out["ob_latin1_undeclared.xml"] = sample_xml.split("?>", 1)[1].replace(
        "ISSP_HD219080_MR720", "ISSP_\u00e9toile").encode("latin-1")
    out["ob_invalid_bytes.xml"] = sample_xml.encode().replace(b"<SPECTYP>F1V", b"<SPECTYP>\xff\xfe\x00F1V")
    out["ob_truncated.xml"] = sample_xml.encode()[: len(sample_xml) // 2]
    out["ob_wrong_root.xml"] = (b'<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body>'
                                b"<p>Session expired</p></body></html>\n")
    out["ob_empty.xml"] = b""
    out["ob_extra_param_no_name.xml"] = sample_xml.replace(
        "</a:observingBlockDefinition>",
        '    <EXTRA_INFORMATIONS><parameter value="1.5" unit="mas"/></EXTRA_INFORMATIONS>\n'
        "</a:observingBlockDefinition>").encode()
    out["ob_vlti.xml"] = sample_xml.replace("<name>CHARA</name>", "<name>VLTI</name>").encode()
    assert set(out) == {c.name for c in OB_CASES}
    return out


def write_ob_corpus(folder: Path = BAD) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [_write(folder / name, data) for name, data in ob_corpus_bytes().items()]


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --- FITS, written at test time -----------------------------------------------------------------
T0 = dt.datetime(2024, 3, 3, 4, 0, tzinfo=dt.UTC)


def _spec(**kw):
    from demo.synthetic import raw as synthetic

    fields = {"instrument": "SPICA", "object": "HD 1000", "ra_deg": 10.0, "dec_deg": 20.0, "start": T0, "seed": 7}
    return synthetic.RawSpec(**{**fields, **kw})


@dataclass(frozen=True)
class FitsCase:
    name: str
    outcome: str  # what ingest must do: "quarantined" | "consolidated"
    expect: tuple[str, ...]  # words of the quarantine reason / consolidation report
    why: str


FITS_CASES = [
    FitsCase("empty.fits", "quarantined", ("empty",), "0 bytes"),
    FitsCase("not_fits.fits", "quarantined", ("not a fits",), "a text file named .fits"),
    FitsCase("truncated.fits", "quarantined", ("truncated",), "60 % of a raw file"),
    FitsCase("no_end_card.fits", "quarantined", ("truncated", "corrupt", "end"), "header blocks without END"),
    FitsCase("unknown_instrument.fits", "quarantined", ("unknown instrument",), "INSTRUME = 'GRAVITY'"),
    FitsCase("nan_everywhere.fits", "consolidated", ("'nan' is not a finite number", "r0", "t0"),
             "every data value NaN, header numbers 'NaN' / 'inf'"),
    FitsCase("unparsable_card.fits", "quarantined", ("unreadable primary header", "r0"),
             "R0 = NAN written unquoted by a camera (not a valid FITS value)"),
    FitsCase("non_ascii_header.fits", "quarantined", ("non-ascii",),
             "Latin-1 bytes inside a header card"),
    FitsCase("garbage_date.fits", "consolidated", ("unreadable date-obs",),
             "DATE-OBS 'yesterday evening', no MJD-OBS"),
    FitsCase("zero_row_tables.fits", "consolidated", (), "baselines/channels tables with 0 rows"),
    FitsCase("wrong_tables.fits", "consolidated", (), "the two tables replaced by an unrelated one"),
    FitsCase("date_year_9999.fits", "quarantined", ("implausible observation date", "9999"),
             "DATE-OBS '9999-12-31T23:59:59', no MJD-OBS (overflowed the OB time window)"),
    FitsCase("mjd_1e20.fits", "quarantined", ("implausible observation date", "mjd-obs"),
             "MJD-OBS = 1e20 (ERFA cannot convert it)"),
    FitsCase("mjd_negative.fits", "quarantined", ("implausible observation date", "mjd-obs"),
             "MJD-OBS = -1e9"),
    FitsCase("date_1950.fits", "quarantined", ("implausible observation date", "1950"),
             "DATE-OBS in 1950, before CHARA existed"),
]


def write_fits_case(folder: Path, name: str) -> Path:
    """Write one FITS case into `folder`."""
    from demo.synthetic import raw as synthetic

    path = Path(folder) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if name == "empty.fits":
        return _write(path, b"")
    if name == "not_fits.fits":
        return _write(path, b"This is the observing log, not a FITS file.\n" * 100)
    if name == "truncated.fits":
        return synthetic.truncate(synthetic.write_raw(path, _spec(seed=11)))
    if name == "no_end_card.fits":
        cards = [f"{'SIMPLE':8}= {'T':>20}", f"{'BITPIX':8}= {8:>20}", f"{'NAXIS':8}= {0:>20}",
                 f"{'INSTRUME':8}= 'SPICA   '"]
        block = "".join(c.ljust(80) for c in cards).ljust(2880 * 2)
        return _write(path, block.encode("ascii"))
    if name == "unknown_instrument.fits":
        hdul = synthetic.raw_hdulist(_spec(seed=12))
        hdul[0].header["INSTRUME"] = "GRAVITY"
        hdul.writeto(path, overwrite=True)
        return path
    if name == "nan_everywhere.fits":
        hdul = synthetic.raw_hdulist(_spec(seed=13, object="HD 1000 NAN"))
        hdul[0].data = np.full_like(hdul[0].data, np.nan)
        for hdu in hdul[1:]:
            for col in hdu.columns:
                if col.format[-1] in "DE":
                    hdu.data[col.name] = np.nan
        hdul[0].header["R0"], hdul[0].header["T0"] = "NaN", "inf"
        hdul.writeto(path, overwrite=True)
        return path
    if name == "unparsable_card.fits":
        hdul = synthetic.raw_hdulist(_spec(seed=18, object="HD 1000 CARD"))
        for key in ("R0", "T0"):
            del hdul[0].header[key]
        hdul.writeto(path, overwrite=True)
        _patch_cards(path, {"R0": "NAN", "T0": "INF"})
        return path
    if name == "non_ascii_header.fits":
        synthetic.write_raw(path, _spec(seed=19, object="HD 1000 ASCII"))
        data = path.read_bytes().replace(b"ISSP synthetic", "\u00e9toile synth\u00e8t".encode("latin-1"), 1)
        return _write(path, data)
    if name == "garbage_date.fits":
        return synthetic.write_raw(path, _spec(seed=14, object="HD 1000 DATE", drop=("MJD-OBS",),
                                               overrides={"DATE-OBS": "yesterday evening",
                                                          "TPL START": "after dinner"}))
    if name == "zero_row_tables.fits":
        hdul = synthetic.raw_hdulist(_spec(seed=15, object="HD 1000 ZERO"))
        hdul[1] = fits.BinTableHDU.from_columns(hdul[1].columns, nrows=0, name="ISSP_BASELINES")
        hdul[2] = fits.BinTableHDU.from_columns(hdul[2].columns, nrows=0, name="ISSP_CHANNELS")
        hdul.writeto(path, overwrite=True)
        return path
    if name == "wrong_tables.fits":
        hdul = synthetic.raw_hdulist(_spec(seed=16, object="HD 1000 TABLES"))
        other = fits.BinTableHDU.from_columns([fits.Column("FLUX", "D", array=np.arange(3.0))], name="PHOTOMETRY")
        fits.HDUList([hdul[0], other]).writeto(path, overwrite=True)
        return path
    dates = {"date_year_9999.fits": (20, {"DATE-OBS": "9999-12-31T23:59:59", "TPL START": "9999-12-31T23:59:59"},
                                     ("MJD-OBS",)),
             "mjd_1e20.fits": (21, {"MJD-OBS": 1e20}, ()), "mjd_negative.fits": (22, {"MJD-OBS": -1e9}, ()),
             "date_1950.fits": (23, {"DATE-OBS": "1950-06-01T03:00:00", "TPL START": "1950-06-01T03:00:00"},
                                ("MJD-OBS",))}
    if name in dates:
        seed, overrides, drop = dates[name]
        return synthetic.write_raw(path, _spec(seed=seed, object=f"HD 1000 {seed}", drop=drop, overrides=overrides))
    raise KeyError(name)


def _patch_cards(path: Path, values: dict[str, str]) -> None:
    """Append cards astropy refuses to write (NaN/INF values) into the primary header's free space."""
    data = bytearray(Path(path).read_bytes())
    end = next(i for i in range(0, len(data), 80) if data[i:i + 8] == b"END     ")
    cards = b"".join(f"{k:8}= {v:>20}".ljust(80).encode("ascii") for k, v in values.items())
    header_end = (end // 2880 + 1) * 2880
    assert end + len(cards) + 80 <= header_end, "no room left in the header block"
    data[end:end + len(cards) + 80] = cards + b"END".ljust(80)
    Path(path).write_bytes(bytes(data))


def write_big_fits(path: Path, megabytes: int = 100) -> Path:
    """A valid SPICA raw file of about `megabytes` MB (frames of float32 V^2)."""
    from demo.synthetic import raw as synthetic

    per_frame = 15 * 12 * 4
    spec = _spec(seed=17, object="HD 1000 BIG", n_frames=megabytes * 1024 * 1024 // per_frame)
    return synthetic.write_raw(path, spec)


if __name__ == "__main__":
    for written in write_ob_corpus():
        print(written.relative_to(ROOT), written.stat().st_size)
