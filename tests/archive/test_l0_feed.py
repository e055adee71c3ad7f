"""The portal's L0 records as ObsPortal's feed, harvested by a stand-in written from OiDB's obsportal.xqm."""
from __future__ import annotations

import datetime as dt
import io
import xml.etree.ElementTree as ET

import pytest
from astropy.io.votable import parse_single_table

from django.urls import reverse

from archive.standins.obsportal_harvest import ObsPortalHarvester
from archive.standins.oidb import GranuleStore
from domain.obsportal import NAMESPACE
from pipelines.models import L0Record, RawFile
from surveys.embargo import embargo_ends
from tests.factories import ProgramFactory

FIELDS = ["exp_id", "exp_date_release", "exp_date_updated", "exp_header_id", "exp_mjd_start", "exp_mjd_end",
          "target_name", "target_ra", "target_dec", "instrument_name", "instrument_mode", "instrument_submode",
          "instrument_em_min", "instrument_em_max", "instrument_em_res_power", "interferometer_name",
          "interferometer_stations", "obs_program", "obs_program_pi_coi", "obs_type"]


def _l0(name: str, *, program="issp", instrument="SPICA", mode="MR720", obs_type="SCIENCE", mjd=60400.3,
        target="HD 1000") -> L0Record:
    raw = RawFile.objects.create(sha256=name.encode().hex().ljust(64, "0")[:64], size=10, original_name=f"{name}.fits",
                                 path="x", instrument=instrument)
    return L0Record.objects.create(raw_file=raw, target_name=target, program_code=program, instrument=instrument,
                                   mode=mode, obs_type=obs_type, mjd_start=mjd, mjd_end=mjd + 0.01,
                                   stations="S1 S2 E1 E2 W1 W2", ra_deg=10.5, dec_deg=-20.25)


@pytest.fixture
def exposures(db):
    ProgramFactory(code="issp", kind="survey")
    return [_l0("spica_0001"), _l0("spica_0002", obs_type="CALIBRATION", target="HD 2000", mode="LR"),
            _l0("mircx_0001", instrument="MIRC-X", mode="Low_H"), _l0("spica_0003", program="unknown-prog")]


@pytest.mark.django_db
def test_feed_is_obsportals_votable_with_fields_units_and_embargo(client, exposures):
    response = client.get(reverse("archive:l0-feed") + "?instrument=SPICA")  # anonymous, as OiDB's harvester
    assert response.status_code == 200 and "votable" in response["Content-Type"]
    assert ET.fromstring(response.content).tag == f"{{{NAMESPACE}}}VOTABLE" == "{http://www.ivoa.net/xml/VOTable/v1.4}VOTABLE"
    table = parse_single_table(io.BytesIO(response.content))
    assert [f.name for f in table.fields] == FIELDS
    units = {f.name: str(f.unit) for f in table.fields if f.unit is not None}
    assert units == {"exp_mjd_start": "d", "exp_mjd_end": "d", "target_ra": "deg", "target_dec": "deg",
                     "instrument_em_min": "m", "instrument_em_max": "m"}
    rows = {r["exp_id"]: r for r in table.to_table()}
    assert sorted(rows) == ["spica_0001", "spica_0002"]  # MIRC-X filtered out; unknown program left out
    science, calibrator = rows["spica_0001"], rows["spica_0002"]
    assert (science["obs_type"], calibrator["obs_type"]) == ("science", "calibrator")
    assert (science["instrument_mode"], science["instrument_submode"]) == ("MR", "720")
    assert science["exp_mjd_end"] == pytest.approx(60400.31) and science["target_dec"] == -20.25
    assert science["interferometer_name"] == "CHARA" and science["interferometer_stations"] == "S1-S2-E1-E2-W1-W2"
    assert science["obs_program"] == "issp" and science["obs_program_pi_coi"]
    assert 5e-7 < science["instrument_em_min"] < science["instrument_em_max"] < 1.1e-6
    release = embargo_ends(t_max_mjd=60400.31, embargo_months=18)
    assert science["exp_date_release"] == release.replace(microsecond=0).isoformat().replace("+00:00", "") + "+00:00"
    assert science["exp_date_updated"].endswith("+00:00")


@pytest.mark.django_db
def test_feed_refuses_dates_without_offset_saying_which_and_why(client, exposures):
    url = reverse("archive:l0-feed")
    bad = client.get(url, {"instrument": "SPICA", "date_updated_from": "2024-06-01T00:00:00"})
    assert bad.status_code == 400 and "+00:00" in bad.json()["errors"]["date_updated_from"]
    bad = client.get(url, {"date_updated_to": "yesterday"})
    assert bad.status_code == 400 and "ISO 8601" in bad.json()["errors"]["date_updated_to"]
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).replace(microsecond=0).isoformat()
    assert client.get(url, {"date_updated_from": later}).content.count(b"<TR>") == 0
    assert client.get(url + "?date_updated_from=2000-01-01T00:00:00 00:00").status_code == 200  # '+' unencoded


@pytest.mark.django_db(transaction=True)
def test_oidb_harvester_fills_issp_l0_incrementally(live_server, exposures):
    store = GranuleStore()
    harvester = ObsPortalHarvester(store, live_server.url + reverse("archive:l0-feed"))
    first = harvester.sync("issp_l0")
    assert first.warnings == [] and len(first.urls) >= 26  # 2000 -> now, one request per year as OiDB does
    assert "instrument=SPICA&date_updated_from=2000-01-01T00:00:00%2B00:00" in first.urls[0]
    assert store.count(obs_collection="issp_l0") == 2
    granule = next(g for g in store.granules.values() if g["obs_id"] == "spica_0001")
    assert {k: granule[k] for k in ("calib_level", "target_name", "instrument_name", "instrument_mode", "progid",
                                    "facility_name", "dataproduct_category", "data_rights")} == {
        "calib_level": "0", "target_name": "HD 1000", "instrument_name": "SPICA", "instrument_mode": "MR_720",
        "progid": "issp", "facility_name": "CHARA", "dataproduct_category": "SCIENCE", "data_rights": "secure"}
    assert float(granule["t_min"]) == 60400.3 and float(granule["t_exptime"]) == pytest.approx(864.0)
    calib = next(g for g in store.granules.values() if g["obs_id"] == "spica_0002")
    assert calib["dataproduct_category"] == "CALIBRATOR" and calib["instrument_mode"] == "LR_"  # xqm appends "_"
    last = store.last_mod_dates["issp_l0"]
    assert last == max(r.updated for r in L0Record.objects.filter(program_code="issp", instrument="SPICA")).replace(
        microsecond=0)

    second = harvester.sync("issp_l0")  # from the last-modification date: nothing new
    assert len(second.urls) == 1 and store.count(obs_collection="issp_l0") == 2
    assert set(second.ids) <= set(first.ids)

    record = L0Record.objects.get(raw_file__original_name="spica_0001.fits")
    record.target_name = "HD 1000 A"
    record.save()
    _l0("spica_0004", mjd=60401.3)
    third = harvester.sync("issp_l0")
    assert store.count(obs_collection="issp_l0") == 3 and third.warnings == []
    assert store.granules[int(granule["id"])]["target_name"] == "HD 1000 A"  # updated in place, not duplicated
