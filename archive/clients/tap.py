"""Reading OiDB through its TAP service (ObsCore table `oidb`) with pyvo."""
from __future__ import annotations

import pyvo

COLUMNS = ("id", "obs_id", "obs_collection", "calib_level", "instrument_mode", "target_name", "t_min", "t_max",
           "data_rights", "obs_release_date", "access_md5", "quality_level")


def _quote(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def collection_granules(tap_url: str, collection: str) -> list[dict]:
    """Every granule of one collection, as dicts of the reconciled columns."""
    query = f"SELECT {', '.join(COLUMNS)} FROM oidb WHERE obs_collection = {_quote(collection)}"
    table = pyvo.dal.TAPService(tap_url).run_sync(query).to_table()
    rows = []
    for row in table:
        rows.append({name: _plain(row[name]) for name in table.colnames})
    return rows


def granule_ids(tap_url: str, *, obs_id: str, collection: str, calib_level: int) -> list[str]:
    query = (f"SELECT id FROM oidb WHERE obs_collection = {_quote(collection)} AND obs_id = {_quote(obs_id)} "
             f"AND calib_level = {int(calib_level)}")
    table = pyvo.dal.TAPService(tap_url).run_sync(query).to_table()
    return [str(_plain(x)) for x in table["id"]] if len(table) else []


def _plain(value):
    if hasattr(value, "mask") and bool(getattr(value, "mask", False)):
        return None
    if isinstance(value, bytes):
        return value.decode()
    return value.item() if hasattr(value, "item") else value
