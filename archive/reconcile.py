"""Compare what we published to OiDB with what its TAP service (ObsCore table `oidb`) holds."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from archive.clients.tap import collection_granules
from archive.models import OutboxMessage, RemoteRecord

COMPARED = ("obs_id", "calib_level", "t_max", "data_rights", "access_md5", "quality_level", "instrument_mode")


@dataclass
class Reconciliation:
    missing_remote: list[str] = field(default_factory=list)  # we sent it, OiDB lacks it
    missing_local: list[str] = field(default_factory=list)  # OiDB has it, we know nothing of it
    different: list[tuple[str, dict]] = field(default_factory=list)  # key -> {column: (ours, theirs)}
    pending: list[str] = field(default_factory=list)  # not delivered yet
    matching: int = 0

    @property
    def clean(self) -> bool:
        return not (self.missing_remote or self.missing_local or self.different)


def _same(ours, theirs) -> bool:
    if ours in (None, "") and theirs in (None, ""):
        return True
    try:
        return abs(float(ours) - float(theirs)) < 1e-6
    except (TypeError, ValueError):
        return str(ours) == str(theirs)


def oidb_reconcile(*, tap_url: str | None = None, collection: str | None = None) -> Reconciliation:
    tap_url = tap_url or settings.ARCHIVE_OIDB_TAP_URL
    collection = collection or settings.ARCHIVE_OIDB_COLLECTION
    remote = {str(row["id"]): row for row in collection_granules(tap_url, collection)}
    result = Reconciliation()
    known_ids = set()
    for record in RemoteRecord.objects.filter(destination="oidb").exclude(remote_id=""):
        known_ids.add(record.remote_id)
        sent = (OutboxMessage.objects.filter(destination="oidb", dedup_key=record.dedup_key,
                                             state=OutboxMessage.State.SENT).exclude(remote_id="")
                .order_by("-sent_at").first())
        theirs = remote.get(record.remote_id)
        if theirs is None:
            result.missing_remote.append(record.dedup_key)
            continue
        ours = sent.payload if sent else {}
        diff = {c: (ours.get(c), theirs.get(c)) for c in COMPARED if c in theirs and not _same(ours.get(c), theirs[c])}
        if diff:
            result.different.append((record.dedup_key, diff))
        else:
            result.matching += 1
    result.missing_local = [f"{row.get('obs_id')} (granule {gid})" for gid, row in remote.items()
                            if gid not in known_ids]
    result.pending = list(OutboxMessage.objects.filter(destination="oidb", state=OutboxMessage.State.PENDING)
                          .values_list("dedup_key", flat=True))
    return result
