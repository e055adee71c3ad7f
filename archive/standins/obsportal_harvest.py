"""Stand-in of OiDB's ObsPortal harvester, written from JMMC-OpenDev/oidb `modules/obsportal.xqm`.

It fills an L0 collection of the stand-in OiDB (`GranuleStore`) the way OiDB does:
`sync(collection)` starts from the collection's last-modification date (else
2000-01-01), asks `search.votable?<params>&date_updated_from=...%2B00:00
&date_updated_to=...%2B00:00` in spans of at most one year, maps each TABLEDATA
row by the FIELD names of the v1.4 namespace onto a granule (`metadata`),
creates or updates it (L0 granules are unique on obs_id, collection and
instrument_mode) and remembers the largest `exp_date_updated` seen. A row that
cannot be converted is reported as a warning, the others are kept.
"""
from __future__ import annotations

import datetime as dt
import re
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

VOTABLE_NS = "http://www.ivoa.net/xml/VOTable/v1.4"  # obsportal.xqm: declare namespace votable=...
PARAMS = {"issp_l0": "instrument=SPICA", "eso_vlti_import": "interferometer=VLTI"}  # obsportal:get-params
START = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_XS_DATETIME = re.compile(r"^-?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$")


def xs_datetime(text: str) -> dt.datetime:
    """xs:dateTime(): strict lexical form (a 'T', seconds); no zone = UTC here."""
    text = (text or "").strip()
    if not _XS_DATETIME.match(text):
        raise ValueError(f"FORG0001: invalid xs:dateTime {text!r}")
    when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _param(when: dt.datetime) -> str:
    """adjust-dateTime-to-timezone(xs:dateTime(tokenize($d, '\\.')[1]), ()) || '%2B00:00'."""
    return when.astimezone(dt.UTC).replace(microsecond=0, tzinfo=None).isoformat() + "%2B00:00"


@dataclass
class SyncResult:
    ids: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)


class ObsPortalHarvester:
    """`obsportal:sync($collection)` against a feed URL (ObsPortal's `search.votable`, or the portal's)."""

    def __init__(self, store, feed_url: str, *, now=None, timeout: float = 30.0):
        self.store, self.feed_url, self.timeout = store, feed_url, timeout
        self.now = now or (lambda: dt.datetime.now(dt.UTC))

    def sync(self, collection: str = "issp_l0") -> SyncResult:
        params = PARAMS.get(collection, f"interferometer=nothingtogetnothing-for-{collection}")
        result = SyncResult()
        start = self.store.last_mod_dates.get(collection) or START
        self._sync(collection, start, self.now(), params, result)
        return result

    def _sync(self, collection: str, start, end, params: str, result: SyncResult) -> None:
        if start > self.now() or start > end:
            return
        max_to = _add_year(start)
        if end > max_to:  # "timespan too long: splitting requests"
            self._sync(collection, start, max_to, params, result)
            self._sync(collection, max_to, end, params, result)
            return
        observations = self.observations(start, end, params, result)
        if not observations:
            return
        for observation in observations:
            try:
                result.ids.append(self.store.insert([self.metadata(observation, collection)])[0])
            except (ValueError, KeyError, TypeError) as exc:
                result.warnings.append(f"Failed to convert observation log to granule "
                                       f"(ObsPortal ID {observation.get('exp_id')}): {exc}")
        updated = [xs_datetime(o["exp_date_updated"].replace(" ", "T")) for o in observations
                   if o.get("exp_date_updated")]
        if updated:  # obsportal:set-last-mod-date
            self.store.last_mod_dates[collection] = max(updated)

    def observations(self, start, end, params: str, result: SyncResult) -> list[dict]:
        """obsportal:get-observations + votable-observations: cells named by the FIELDs, by position."""
        url = f"{self.feed_url}?{params}&date_updated_from={_param(start)}&date_updated_to={_param(end)}"
        result.urls.append(url)
        with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310 - loopback stand-in
            root = ET.fromstring(response.read())
        ns = {"v": VOTABLE_NS}
        names = [f.get("name") for f in root.iter(f"{{{VOTABLE_NS}}}FIELD")]
        rows = root.findall(".//v:TABLEDATA/v:TR", ns)
        return [{names[i]: (td.text or "") for i, td in enumerate(tr.findall("v:TD", ns))} for tr in rows]

    def metadata(self, o: dict, collection: str) -> dict:
        """obsportal:metadata: one observation -> one L0 granule (then granule:do-create's checks)."""
        target = " ".join((o.get("target_name") or "").split()) or "-"
        t_min, t_max = float(o["exp_mjd_start"]), float(o["exp_mjd_end"])
        mode = o.get("instrument_mode", "")
        if "instrument_submode" in o:  # exists($submode): the cell is there, even empty
            mode = f"{mode}_{o['instrument_submode']}"
        granule = {
            "calib_level": "0", "target_name": target, "obs_collection": collection,
            "obs_creator_name": "jmmc-tech-group - Bourges;Mella", "obs_release_date": o.get("exp_date_release", ""),
            "obs_id": o["exp_id"], "datapi": o.get("obs_program_pi_coi", ""), "data_rights": "secure",
            "access_url": f"https://obs.jmmc.fr/detail/exposure/{o['exp_id']}", "s_ra": o.get("target_ra", ""),
            "s_dec": o.get("target_dec", ""), "t_min": o["exp_mjd_start"], "t_max": o["exp_mjd_end"],
            "t_exptime": str(round((t_max - t_min) * 86400.0, 3)), "em_min": o.get("instrument_em_min", ""),
            "em_max": o.get("instrument_em_max", ""), "em_res_power": o.get("instrument_em_res_power", ""),
            "facility_name": o.get("interferometer_name", ""), "instrument_name": o.get("instrument_name", ""),
            "instrument_mode": mode, "progid": o.get("obs_program", ""),
            "interferometer_stations": o.get("interferometer_stations", ""), "nb_channels": "-1",
            "dataproduct_category": o.get("obs_type", "").upper(),
        }
        if granule["obs_release_date"]:
            xs_datetime(granule["obs_release_date"])  # max(... ! xs:dateTime(.)) fails on anything else
        problem = self.store.validate(granule)
        if problem:
            raise ValueError(problem)
        return granule


def _add_year(when: dt.datetime) -> dt.datetime:
    try:
        return when.replace(year=when.year + 1)
    except ValueError:  # 29 February
        return when.replace(year=when.year + 1, day=28)

