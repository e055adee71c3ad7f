import pytest

from archive.standins.oidb import OidbStandin


@pytest.fixture
def oidb(settings):
    """A stand-in OiDB on loopback with basic auth, configured as the push destination.

    Delivery runs in-process here (tests/conftest.py's default); the real-worker
    path is covered by test_outbox_worker.py.
    """
    server = OidbStandin(users={"issp": "s3cret"}).start()
    settings.ARCHIVE_PUSH_ENABLED = True
    settings.ARCHIVE_OIDB_URL = server.url
    settings.ARCHIVE_OIDB_USER, settings.ARCHIVE_OIDB_PASSWORD = "issp", "s3cret"
    settings.ARCHIVE_OIDB_TAP_URL = server.tap_url
    yield server
    server.stop()


@pytest.fixture
def l2_version(demo):
    """One automatic, unreviewed L2 version of an ISSP target, checked by the OIFITS checker."""
    from astropy.time import Time

    from archive.oifits_write import synthetic_oifits2, to_bytes
    from archive.services import product_version_create
    from surveys.models import Night, Program

    mjd = round(Time.now().mjd - 10, 3)  # recent: still under embargo
    program = Program.objects.get(code="issp")
    target = program.targets.order_by("name").first()
    content = to_bytes(synthetic_oifits2(target=target.name.replace(" ", "_"), mjd=mjd, n_wave=6))
    version, _ = product_version_create(
        calib_level=2, kind="oifits", program=program, target=target, night=Night.objects.order_by("date").first(),
        instrument="SPICA", setup="MR720", filename="l2.fits", content=content, t_min=mjd, t_max=mjd + 0.01,
        software="genoca 1.0.5", check=True, provenance={"calibration_report": {"tf_scatter": "2.1 %"}})
    return version


@pytest.fixture
def target_products(demo):
    """Three L2 files of one ISSP target: two nights under embargo, one night 3 years old (public); and
    one embargoed L2 of another target on the first night."""
    from astropy.time import Time

    from archive.oifits_write import synthetic_oifits2, to_bytes
    from archive.services import product_version_create
    from surveys.models import Night, Program

    program = Program.objects.get(code="issp")
    target = program.targets.order_by("name").first()
    nights = list(Night.objects.order_by("date")[:3])
    now = Time.now().mjd
    versions = {}
    for label, night, mjd in (("new1", nights[0], now - 10), ("new2", nights[1], now - 20),
                              ("old", nights[2], now - 3 * 365)):
        content = to_bytes(synthetic_oifits2(target=target.name.replace(" ", "_"), mjd=round(mjd, 3), n_wave=5))
        versions[label], _ = product_version_create(
            calib_level=2, kind="oifits", program=program, target=target, night=night, instrument="SPICA",
            setup=f"MR720-{label}", filename="l2.fits", content=content, t_min=mjd, t_max=mjd + 0.01,
            software="test", check=False)
    other = program.targets.order_by("name")[1]  # same night, another target: a filter must leave it out
    content = to_bytes(synthetic_oifits2(target=other.name.replace(" ", "_"), mjd=round(now - 10, 3), n_wave=5))
    versions["other"], _ = product_version_create(
        calib_level=2, kind="oifits", program=program, target=other, night=nights[0], instrument="SPICA",
        setup="MR720-other", filename="l2.fits", content=content, t_min=now - 10, t_max=now - 9.99,
        software="test", check=False)
    return {"target": target, "versions": versions, "nights": nights, "other": other}
