"""OiDB granules through the outbox to a real stand-in server on loopback; reconciliation; archive_check."""
from __future__ import annotations

import pytest

from django.core.management import CommandError, call_command
from django.urls import reverse

from archive.models import OutboxMessage, RemoteRecord
from archive.publishing import l0_publish, outbox_deliver, outbox_flush
from archive.reconcile import oidb_reconcile
from archive.storage import absolute_path
from archive.validation import version_validate


@pytest.mark.django_db(transaction=True)
def test_validation_posts_a_granule_then_puts_updates(demo, l2_version, oidb):
    v2 = version_validate(version=l2_version, reviewer=demo["datamanager"], flag=4, comment="science ready")
    assert oidb.store.count() == 1
    granule = next(iter(oidb.store.granules.values()))
    assert granule["obs_id"] == l2_version.product.key and granule["calib_level"] == "2"
    assert granule["progid"] == "issp" and granule["quality_level"] == "4" and granule["data_rights"] == "secure"
    assert granule["nb_vis2"] == "15" and granule["access_url"].endswith(f"/archive/versions/{v2.pk}/download/")
    assert granule["obs_release_date"][:4] >= "2027"  # t_max (recent) + 18 months
    version_validate(version=v2, reviewer=demo["datamanager"], flag=1, comment="on second look: poor")
    assert oidb.store.count() == 1 and [m for m, _ in oidb.store.requests] == ["POST", "PUT"]
    assert next(iter(oidb.store.granules.values()))["quality_level"] == "1"
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {"sent"}


@pytest.mark.django_db(transaction=True)
def test_remote_down_keeps_the_message_and_flush_delivers_once(demo, l2_version, oidb):
    oidb.stop()
    version_validate(version=l2_version, reviewer=demo["datamanager"], flag=4, comment="science ready")
    message = OutboxMessage.objects.get()
    assert message.state == "pending" and message.attempts == 1 and "unreachable" in message.last_error
    oidb.start()
    OutboxMessage.objects.update(next_attempt_at=None)
    assert outbox_flush() == 1
    assert outbox_flush() == 0
    assert oidb.store.count() == 1 and OutboxMessage.objects.get().state == "sent"


@pytest.mark.django_db(transaction=True)
def test_5xx_is_retried_and_4xx_is_shown_to_the_data_manager(client, demo, l2_version, oidb, settings):
    oidb.fail_next(1)
    version_validate(version=l2_version, reviewer=demo["datamanager"], flag=4, comment="science ready")
    message = OutboxMessage.objects.get()
    assert message.state == "pending" and message.http_status == 500
    assert outbox_deliver(message_id=message.pk).state == "sent" and oidb.store.count() == 1
    settings.ARCHIVE_OIDB_PASSWORD = "wrong"
    product = l2_version.product
    product.refresh_from_db()
    version_validate(version=product.current_version, reviewer=demo["datamanager"], flag=3, comment="quick look only")
    rejected = OutboxMessage.objects.get(state="rejected")
    assert rejected.http_status == 401 and rejected.last_error == "no write permission on this collection"
    client.force_login(demo["datamanager"])
    page = client.get(reverse("archive:product-detail", args=[product.pk])).content.decode()
    assert "HTTP 401: no write permission on this collection" in page and "Send again" in page
    settings.ARCHIVE_OIDB_PASSWORD = "s3cret"
    client.post(reverse("archive:outbox-retry", args=[rejected.pk]))
    assert OutboxMessage.objects.filter(state="sent").count() == 2 and oidb.store.count() == 1


@pytest.mark.django_db(transaction=True)
def test_bad_granule_gets_the_server_message(demo, l2_version, oidb):
    from archive.publishing import outbox_enqueue

    outbox_enqueue(destination="oidb", payload={"obs_id": "x", "obs_collection": "CHARA_ISSP", "calib_level": 2,
                                                "target_name": "T", "instrument_name": "SPICA", "t_max": "soon"},
                   product=l2_version.product)
    message = OutboxMessage.objects.get()
    assert message.state == "rejected" and message.http_status == 400
    assert message.last_error == "granule x: t_max is not a number: 'soon'"


@pytest.mark.django_db(transaction=True)
def test_l0_records_are_pushed_idempotently_to_oidb_when_l0_push_is_on(demo, oidb, settings):
    from pipelines.models import L0Record, RawFile

    settings.ARCHIVE_PUSH_L0 = True
    raw = RawFile.objects.create(sha256="a" * 64, size=10, original_name="spica_2024-03-02_0001.fits", path="x",
                                 instrument="SPICA")
    record = L0Record.objects.create(raw_file=raw, target_name="HD 1000", program_code="issp", instrument="SPICA",
                                     mode="MR720", obs_type="SCIENCE", mjd_start=60400.3, mjd_end=60400.31,
                                     stations="S1-S2-E1-E2-W1-W2", ra_deg=10.0, dec_deg=20.0)
    l0_publish(records=[record])
    l0_publish(records=[record])  # re-sent: updates, never duplicates
    assert oidb.store.count(calib_level=0) == 1
    assert RemoteRecord.objects.filter(destination="oidb").count() == 1
    assert OutboxMessage.objects.filter(state="sent").count() == 2
    settings.ARCHIVE_PUSH_L0 = False  # the default: OiDB harvests the L0 feed instead
    assert l0_publish(records=[record]) == []


@pytest.mark.django_db(transaction=True)
def test_reconcile_lists_missing_and_different(demo, l2_version, oidb):
    version_validate(version=l2_version, reviewer=demo["datamanager"], flag=4, comment="science ready")
    assert oidb_reconcile().clean
    call_command("oidb_reconcile")
    gid = RemoteRecord.objects.get().remote_id
    oidb.store.granules[int(gid)]["quality_level"] = "0"  # someone edited it in OiDB
    oidb.store.granules[99] = {"id": "99", "obs_id": "stray", "obs_collection": "CHARA_ISSP", "calib_level": "2"}
    result = oidb_reconcile()
    assert result.missing_local == ["stray (granule 99)"]
    assert result.different[0][1] == {"quality_level": (4, 0.0)}
    del oidb.store.granules[int(gid)]
    assert len(oidb_reconcile().missing_remote) == 1
    with pytest.raises(CommandError):
        call_command("oidb_reconcile")


@pytest.mark.django_db
def test_archive_check_reports_corrupt_and_missing_files(demo, l2_version, capsys):
    call_command("archive_check")
    assert "1 versions checked, 0 problem(s)" in capsys.readouterr().out
    path = absolute_path(l2_version.path)
    original = path.read_bytes()
    try:
        path.write_bytes(original[:-1] + b"X")
        with pytest.raises(CommandError):
            call_command("archive_check")
        assert f"CORRUPT  version {l2_version.pk}" in capsys.readouterr().out
        path.unlink()
        with pytest.raises(CommandError):
            call_command("archive_check")
        assert f"MISSING  version {l2_version.pk}" in capsys.readouterr().out
    finally:
        path.write_bytes(original)


def test_push_enabled_without_url_fails_at_start(settings):
    from django.core.exceptions import ImproperlyConfigured

    from archive.apps import check_push_settings

    settings.ARCHIVE_PUSH_ENABLED, settings.ARCHIVE_OIDB_URL = True, ""
    with pytest.raises(ImproperlyConfigured, match="ARCHIVE_OIDB_URL is empty"):
        check_push_settings(settings)
    settings.ARCHIVE_OIDB_URL = "http://127.0.0.1:1"
    settings.ARCHIVE_OIDB_USER, settings.ARCHIVE_OIDB_PASSWORD = "u", ""
    with pytest.raises(ImproperlyConfigured, match="PASSWORD"):
        check_push_settings(settings)
    settings.ARCHIVE_PUSH_ENABLED = False
    check_push_settings(settings)
