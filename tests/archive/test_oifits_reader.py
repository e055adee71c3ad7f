"""domain.oifits on every real OIFITS file: each table's arrays equal the file's columns read separately with
astropy.table (INSNAME, ARRNAME and TARGET_ID joined by hand), the standard's conventions hold on the data,
and the science readers built on it return those same values."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table
from astropy.time import Time

from archive.plots import review_plot_data
from domain import oifits
from pipelines.analysis.companion import read_binary_data
from pipelines.analysis.oifits_io import OifitsReadError, read_oifits

DATA = Path(__file__).resolve().parent.parent / "data" / "oifits"
SHARED = Path("/work/shared/data/oifits")
FILES = sorted(DATA.glob("*.fits")) + (sorted(SHARED.glob("*.fits")) if SHARED.is_dir() else [])
ASPRO = DATA / "Aspro2_Zeta_Oph_CHARA_SPICA_0.60249-0.89749-60ch_S1-S2-E1-E2-W1-W2_2023-05-12.fits"
GRAVITY_SC_FT = DATA / "SCI_HD100453_GRAVITY_MED_singlescivis_0000_singlesciviscalibrated_0000.fits"
pytestmark = pytest.mark.filterwarnings("ignore::astropy.io.fits.verify.VerifyWarning",
                                        "ignore::astropy.units.UnitsWarning")


def _tables(path: Path) -> list[tuple[int, str, fits.Header]]:
    with fits.open(path) as hdul:
        return [(i, h.name, h.header.copy()) for i, h in enumerate(hdul) if i]


def _by_key(path: Path, extname: str, key: str) -> dict[str, Table]:
    return {str(head.get(key, "")).strip(): Table.read(path, hdu=i) for i, name, head in _tables(path)
            if name == extname}


def _cells(table: Table, name: str) -> np.ndarray:
    return np.array(table[name], dtype=float).reshape(len(table), -1)


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.parent.name}/{p.name[:30]}")
def test_every_table_equals_its_columns_read_directly(path):
    f = oifits.read(path)
    waves = _by_key(path, "OI_WAVELENGTH", "INSNAME")
    arrays = _by_key(path, "OI_ARRAY", "ARRNAME")
    (target,) = _by_key(path, "OI_TARGET", "EXTNAME").values()
    names = {int(i): str(n).strip() for i, n in zip(target["TARGET_ID"], target["TARGET"], strict=True)}
    data = [(i, name, head) for i, name, head in _tables(path) if name in ("OI_VIS2", "OI_T3", "OI_VIS")]
    assert [t.extname for t in f.tables] == [name for _, name, _ in data] and f.orphans == ()
    for t, (i, name, head) in zip(f.tables, data, strict=True):
        direct = Table.read(path, hdu=i)
        wave = waves[head["INSNAME"].strip()]
        np.testing.assert_array_equal(t.wave, wave["EFF_WAVE"])
        np.testing.assert_array_equal(t.band, wave["EFF_BAND"])
        np.testing.assert_array_equal(t.mjd, direct["MJD"])
        np.testing.assert_array_equal(t.flag, np.array(direct["FLAG"], bool).reshape(len(direct), -1))
        assert t.flag.shape == (len(direct), len(wave))
        assert list(t.target) == [names[int(i)] for i in direct["TARGET_ID"]]
        array = arrays.get(head.get("ARRNAME", "").strip())
        sta = {} if array is None else {int(k): str(n).strip() for k, n in zip(array["STA_INDEX"], array["STA_NAME"],
                                                                                strict=True)}
        assert t.labels() == ["-".join(sta.get(int(k), str(int(k))) for k in row) for row in direct["STA_INDEX"]]
        value, error = {"OI_VIS2": ("VIS2DATA", "VIS2ERR"), "OI_T3": ("T3PHI", "T3PHIERR"),
                        "OI_VIS": ("VISAMP", "VISAMPERR")}[name]
        y, e = _cells(direct, value), _cells(direct, error)
        np.testing.assert_array_equal(t.channels(value), y)
        np.testing.assert_array_equal(t.usable(value, error),
                                      ~t.flag & np.isfinite(y) & np.isfinite(e) & (e > 0))
        np.testing.assert_array_equal(t.masked(value), np.where(t.flag, np.nan, y))
        if name == "OI_T3":
            np.testing.assert_array_equal(np.stack(t.uv_triangle), [direct[c] for c in
                                                                    ("U1COORD", "V1COORD", "U2COORD", "V2COORD")])
        else:
            np.testing.assert_array_equal(t.spatial_frequency, np.hypot(direct["UCOORD"], direct["VCOORD"])[:, None]
                                          / np.array(wave["EFF_WAVE"])[None, :])


@pytest.mark.parametrize("name", ["Aspro2_Zeta_Oph_CHARA_SPICA_0.60249-0.89749-60ch_S1-S2-E1-E2-W1-W2_2023-05-12.fits",
                                  "GRAVI.2020-01-27.fits", "PIONI.2014-09-21T09_19_32.752_oidataCalibrated.fits",
                                  "MIRCX_L2.2023Oct14._bet_Ari.MIRCX_IDL.nn.AVG10m.fits"])
def test_closure_triangles_are_ab_and_bc_of_their_stations(name):
    """OIFITS: (U1, V1) is baseline AB, (U2, V2) baseline BC, AB + BC = AC: checked against the files' own V² uv."""
    f = oifits.read(DATA / name)
    uv = {}
    for t in f.vis2:
        for (a, b), u, v, mjd in zip(t.stations, t.u, t.v, t.mjd, strict=True):
            uv[a, b, round(mjd, 5)], uv[b, a, round(mjd, 5)] = (u, v), (-u, -v)
    matched = 0
    for t in f.t3:
        u1, v1, u2, v2 = t.uv_triangle
        for k, (a, b, c) in enumerate(t.stations):
            m = round(t.mjd[k], 5)
            if (a, b, m) in uv and (b, c, m) in uv and (a, c, m) in uv:
                np.testing.assert_allclose(uv[a, b, m], (u1[k], v1[k]), atol=1e-3)
                np.testing.assert_allclose(uv[b, c, m], (u2[k], v2[k]), atol=1e-3)
                np.testing.assert_allclose(uv[a, c, m], (u1[k] + u2[k], v1[k] + v2[k]), atol=1e-3)
                matched += 1
    assert matched >= sum(len(t) for t in f.t3) / 2  # most triangles have their three V² records at the same MJD


def test_real_files_facts():
    aspro = oifits.read(ASPRO)  # six CHARA telescopes, named in the file name
    (vis2,), (t3,) = aspro.vis2, aspro.t3
    assert {s for pair in vis2.stations for s in pair} == {"S1", "S2", "E1", "E2", "W1", "W2"}
    assert len(set(vis2.labels(sort=True))) == 15 and len(set(t3.labels(sort=True))) == 20  # C(6,2), C(6,3)
    assert set(aspro.vis2[0].target) == {"Zeta Oph"} and aspro.targets[0].name == "Zeta Oph"
    gravity = oifits.read(GRAVITY_SC_FT)  # two wavelength tables: each data table joins its own
    assert {k: w.eff_wave.size for k, w in gravity.wavelengths.items()} == {"GRAVITY_SC": 233, "GRAVITY_FT": 6}
    assert sorted((t.insname, t.flag.shape[1]) for t in gravity.vis2) == [("GRAVITY_FT", 6), ("GRAVITY_SC", 233)]
    pionier = oifits.read(DATA / "PIONI.2014-09-21T09_19_32.752_oidataCalibrated.fits")
    with fits.open(DATA / "PIONI.2014-09-21T09_19_32.752_oidataCalibrated.fits") as hdul:
        assert np.all(hdul["OI_VIS2"].data["TIME"] == 0)  # v1 TIME left at 0: the date is in MJD
    night = Time("2014-09-21T00:00:00", scale="utc").mjd
    assert all(night <= m < night + 1 for t in pionier.tables for m in t.mjd)
    iota = oifits.read(DATA / "arcturus.1.52mu.fits")  # three one-baseline tables, one channel, no OI_ARRAY
    assert [t.arrname for t in iota.vis2] == ["IOTA_AB", "IOTA_AC", "IOTA_BC"]
    assert all(t.channels("VIS2DATA").shape == (10, 1) for t in iota.vis2)


def _variant(tmp_path: Path, edit) -> Path:
    with fits.open(ASPRO) as src:
        hdul = fits.HDUList([h.copy() for h in src])
    edit(hdul)
    out = tmp_path / "variant.fits"
    hdul.writeto(out, overwrite=True)
    return out


def test_broken_joins_are_reported_not_guessed(tmp_path):
    def orphan(h):
        h["OI_T3"].header["INSNAME"] = "NO_SUCH_INSTRUMENT"
    f = oifits.read(_variant(tmp_path, orphan))
    assert f.orphans == (("OI_T3", "NO_SUCH_INSTRUMENT"),) and not f.t3 and len(f.vis2) == 1
    with pytest.raises(OifitsReadError, match="OI_T3 refers to unknown INSNAME 'NO_SUCH_INSTRUMENT'"):
        read_oifits([tmp_path / "variant.fits"])

    def v1_without_arrname(h):
        del h["OI_VIS2"].header["ARRNAME"]
    f = oifits.read(_variant(tmp_path, v1_without_arrname))
    assert f.vis2[0].arrname == "" and f.vis2[0].labels() == oifits.read(ASPRO).vis2[0].labels()

    def short_wavelength_table(h):
        h["OI_WAVELENGTH"].data = h["OI_WAVELENGTH"].data[:10]
    with pytest.raises(oifits.OifitsError, match="60 channels but OI_WAVELENGTH"):
        oifits.read(_variant(tmp_path, short_wavelength_table))
    (tmp_path / "text.fits").write_text("not FITS\n" * 400)
    with pytest.raises(oifits.OifitsError, match="text.fits: not a FITS file"):
        oifits.read(tmp_path / "text.fits")


@pytest.mark.parametrize("path", [p for p in FILES if p.parent == DATA], ids=lambda p: p.name[:30])
def test_science_readers_return_the_usable_points_of_the_file(path):
    """The fit's, the companion search's and the review plot's points are the file's unflagged finite points."""
    with fits.open(path) as hdul:
        waves = {h.header["INSNAME"].strip(): h.data for h in hdul if h.name == "OI_WAVELENGTH"}
        v2 = [(np.array(h.data["VIS2DATA"], float).reshape(len(h.data), -1),
               np.array(h.data["VIS2ERR"], float).reshape(len(h.data), -1),
               np.array(h.data["FLAG"], bool).reshape(len(h.data), -1), waves[h.header["INSNAME"].strip()])
              for h in hdul if h.name == "OI_VIS2"]
    keep = [~f & np.isfinite(y) & np.isfinite(e) & (e > 0) for y, e, f, _ in v2]
    vis2 = np.concatenate([y[k] for (y, *_), k in zip(v2, keep, strict=True)])
    lam = np.concatenate([np.broadcast_to(w["EFF_WAVE"], y.shape)[k] for (y, _, _, w), k in zip(v2, keep, strict=True)])
    band = np.concatenate([np.broadcast_to(np.abs(w["EFF_BAND"]), y.shape)[k]
                           for (y, _, _, w), k in zip(v2, keep, strict=True)])
    fit = read_oifits([path])
    np.testing.assert_array_equal(fit.v2.vis2, vis2)
    np.testing.assert_array_equal(fit.v2.wavelength, lam)
    companion = read_binary_data([path])
    np.testing.assert_array_equal(companion.vis2.vis2, vis2)
    np.testing.assert_array_equal(companion.vis2.band, band)
    plot = review_plot_data(path, max_points=10**6)
    assert "error" not in plot and plot["vis2"]["y"] == np.round(vis2, 5).tolist()
