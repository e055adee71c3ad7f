"""Shared fixtures: service detection, demo users, a real Celery worker, Chromium.

Tests needing a service (PostgreSQL, Redis, sshd, Chromium) are marked; outside
CI they are skipped with the reason when the service is absent, in CI
(CI=true) its absence is a failure.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = "/usr/bin/chromium"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", ... under pytest-xdist


def _own_cache_prefix() -> None:
    """Under pytest-xdist each worker keys the shared cache with its name: a Redis cache is one database for
    all workers, and one worker's cleaning (`_fresh_shared_cache`) must not empty another's counters."""
    if XDIST_WORKER:
        from django.conf import settings

        settings.CACHES["default"]["KEY_PREFIX"] = f"{settings.CACHES['default'].get('KEY_PREFIX', '')}-{XDIST_WORKER}"


_own_cache_prefix()


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config, items):
    """Tests that go through the shared broker (a real worker or `celery_live`) run on one xdist worker
    (`--dist loadgroup`): one Celery worker consumes the session's queues, and it must see that worker's
    test database."""
    if not XDIST_WORKER:
        return (yield)
    broker = {"celery_live", "celery_worker_process"}
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if item.get_closest_marker("worker") or broker & names:
            item.add_marker(pytest.mark.xdist_group("broker"))
        elif "samp_hub" in names:  # the SAMP Web Profile listens on its standard port, 21012: one hub at a time
            item.add_marker(pytest.mark.xdist_group("samp"))
    result = yield
    # pytest-xdist names a grouped test "<id>@<group>" in `_nodeid`, which pytest 9 no longer reads.
    from _pytest.nodeid import coerce_node_id

    for item in items:
        grouped = getattr(item, "_nodeid", None)
        if grouped and grouped != item.nodeid and hasattr(item, "_id"):
            item._id = coerce_node_id(grouped)
    return result


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Say at the end, where it is read, that a laptop's `make test` left the slow tier out."""
    if config.option.markexpr == "not slow":
        terminalreporter.write_line("Fast tier: tests marked slow were left out (CI runs them; here: TEST_SLOW=1 "
                                    "make test).", yellow=True)


def _service_missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI requires this service: {reason}")
    pytest.skip(reason)


def _broker_url() -> str | None:
    from django.conf import settings

    return settings.CELERY_BROKER_URL


def _redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Skip (or, in CI, fail) a test whose service is missing; open or close the shared demo before its fixtures."""
    from django.conf import settings

    if item.get_closest_marker("postgres") and settings.DATABASES["default"]["ENGINE"].find("postgres") < 0:
        _service_missing("needs PostgreSQL: set DATABASE_URL=postgres://...")
    if item.get_closest_marker("redis") or item.get_closest_marker("worker"):
        url = _broker_url()
        if not url:
            _service_missing("needs Redis: set CELERY_BROKER_URL=redis://127.0.0.1:6379/0")
        elif not _redis_reachable(url):
            _service_missing(f"Redis not reachable at {url}")
    if item.get_closest_marker("browser") and not Path(CHROMIUM).exists():
        _service_missing("needs Debian's Chromium (apt-get install -y chromium)")
    if item.get_closest_marker("sshd") and not Path("/usr/sbin/sshd").exists():
        _service_missing("needs Debian's openssh-server (/usr/sbin/sshd)")
    if _shared_demo.wanted(item):
        _shared_demo.open()
    else:
        _shared_demo.close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ["--disable-gpu", "--disable-quic"]}


@pytest.fixture
def browser_login(page, live_server):
    """Log a user in through the allauth form (as a person would), landing on `next_url`."""

    def login(username: str, next_url: str = "/", password: str = "issp-demo-2024") -> None:
        page.set_default_timeout(30_000)
        page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
        page.fill("input[name=login]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")

    return login


@pytest.fixture
def artifacts_dir() -> Path:
    path = ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


def _load_demo() -> None:
    from demo import survey as surveys_demo

    surveys_demo.load(n_targets=30, n_calibrators=20)


class _SharedDemo:
    """The demo survey loaded once for a run of consecutive tests that use it, in a transaction opened around
    them: each test's own transaction is a savepoint inside it and is rolled back as before, so every test
    starts from the same demo rows. Tests that commit (transactional tests, live servers, real workers) and
    tests without `demo` run with it rolled back (closed), and load the demo themselves if they use it."""

    def __init__(self) -> None:
        self.blocker = None  # pytest-django's django_db_blocker once the test database exists
        self.atomic = None

    @staticmethod
    def wanted(item) -> bool:
        names = set(getattr(item, "fixturenames", ()))
        marker = item.get_closest_marker("django_db")
        commits = {"transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback",
                   "celery_live", "celery_worker_process"} & names
        return "demo" in names and not commits and not (marker and marker.kwargs.get("transaction"))

    def open(self) -> None:
        if self.atomic is not None or self.blocker is None:
            return
        from django.db import transaction
        from django.test import override_settings

        with self.blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            _load_demo()

    def close(self) -> None:
        if self.atomic is None:
            return
        from django.db import transaction

        with self.blocker.unblock():
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)
        self.atomic = None


_shared_demo = _SharedDemo()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    _shared_demo.blocker = django_db_blocker
    yield
    _shared_demo.close()
    _shared_demo.blocker = None


@pytest.fixture
def demo(db):
    """The demo survey (surveys step only) and its users."""
    if _shared_demo.atomic is None:
        _load_demo()
    from django.contrib.auth import get_user_model

    return {u.username: u for u in get_user_model().objects.all()}


@pytest.fixture
def no_l3_refits(monkeypatch):
    """A new L2 does not queue its target's L3 refit and companion screen: for tests of L2 that check no L3
    (those are most of a calibrated night's cost)."""
    monkeypatch.setattr("pipelines.calibration.services.target_l3_refresh_later", lambda target_id: None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, _session_storage):
    """A real `celery worker` process on the configured Redis broker and test database.

    Tests using it must use `transactional_db` (the worker is another process and
    only sees committed rows).
    """
    url = _broker_url()
    if not url or not _redis_reachable(url):
        _service_missing("a real worker needs Redis (CELERY_BROKER_URL)")
    from django.conf import settings
    from django.db import connection

    env = dict(os.environ)
    db = settings.DATABASES["default"]
    if "postgres" in db["ENGINE"]:
        env["DATABASE_URL"] = (
            f"postgres://{db.get('USER') or ''}{':' + db['PASSWORD'] if db.get('PASSWORD') else ''}"
            f"@{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{connection.settings_dict['NAME']}"
        )
    else:
        env["DATABASE_URL"] = f"sqlite:///{connection.settings_dict['NAME']}"
    env["ARCHIVE_ROOT"] = str(settings.ARCHIVE_ROOT)
    env["RAW_ROOT"] = str(settings.RAW_ROOT)
    env["ANALYSIS_COMPANION_AUTO"] = "false"  # as in-process (_no_automatic_companion_screen)
    env["CACHE_KEY_PREFIX"] = settings.CACHES["default"].get("KEY_PREFIX", "")  # this test process's cache keys
    # The worker's e-mails go to files the tests read (a test worker never reaches a mail server).
    mail_dir = _session_storage / "worker-mail"
    env["EMAIL_BACKEND"] = "django.core.mail.backends.filebased.EmailBackend"
    env["EMAIL_FILE_PATH"] = str(mail_dir)
    log = ROOT / "test-artifacts" / "celery-worker.log"
    log.parent.mkdir(exist_ok=True)
    hostname = f"test-worker-{os.getpid()}@localhost"
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "issp_portal", "worker", "-l", "INFO", "-c", "2",
         "-Q", "default,ingest,reduce,calibrate,archive,analysis", "-n", hostname, "--without-gossip",
         "--without-mingle", "--logfile", str(log)],
        cwd=ROOT, env=env,
    )
    from issp_portal.celery import app

    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"celery worker exited with {proc.returncode}; see {log}")
        replies = app.control.ping(timeout=1.0, destination=[hostname])
        if replies:
            break
    else:
        proc.terminate()
        pytest.fail("celery worker did not answer ping within 60 s")
    yield {"process": proc, "hostname": hostname, "log": log, "env": env, "mail_dir": mail_dir}
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Users (the demo creates seven) get cheaply hashed passwords: logins still check them."""
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def _no_automatic_companion_screen(request, settings):
    """A new L2 queues only the diameter fit (the screen costs seconds per target); tests of the screen's
    trigger ask for it with the `companion_auto` marker."""
    settings.ANALYSIS_COMPANION_AUTO = bool(request.node.get_closest_marker("companion_auto"))


@pytest.fixture(autouse=True)
def _in_process_reducer(request, settings):
    """The stand-in reduction runs in this process (tests.fakes) unless the test is about the
    subprocess (`subprocess_reducer` marker) or sends tasks to a real worker (`celery_live`)."""
    if request.node.get_closest_marker("subprocess_reducer") or "celery_live" in request.fixturenames:
        return
    settings.PIPELINES_REDUCTION_RUNNERS = {
        key: "tests.fakes.InProcessStandInRunner" if path == "demo.standin.StandInRunner" else path
        for key, path in settings.PIPELINES_REDUCTION_RUNNERS.items()}


@pytest.fixture(autouse=True)
def _tasks_in_process_by_default(request):
    """The one eager-mode switch: tasks run in-process unless the test asks for the broker
    (`celery_live`), so a test that queues a task never waits for a worker that is not there,
    even when CI sets a broker."""
    from issp_portal.celery import app

    live = "celery_live" in request.fixturenames
    app.conf.task_always_eager = not live
    yield
    app.conf.task_always_eager = True


@pytest.fixture(scope="session")
def _simulated_nights(tmp_path_factory) -> dict:
    return {"dir": tmp_path_factory.mktemp("simulated-nights"), "nights": {}}


@pytest.fixture(autouse=True)
def _simulated_night_once(monkeypatch, _simulated_nights):
    """A synthetic SPICA night (demo.synthetic.l1) with the same inputs is simulated once per
    session and its files copied into each test's folder: writing the FITS files is most of the cost, and
    the simulation is deterministic (seeded), so the copies are byte-identical to a fresh run."""
    import copy
    import shutil

    from demo.synthetic import l1 as syn

    real, store = syn.simulate_night, _simulated_nights["nights"]

    def simulate_night(outdir, *, geom=None, tf=syn.default_tf, **kwargs):
        if geom is not None or tf is not syn.default_tf:
            return real(outdir, geom=geom, tf=tf, **kwargs)
        key = repr(sorted(kwargs.items()))
        if key not in store:
            store[key] = real(_simulated_nights["dir"] / f"night{len(store)}", **kwargs)
        night = store[key]
        outdir = Path(outdir)
        outdir.mkdir(parents=True, exist_ok=True)
        files = [Path(shutil.copyfile(f, outdir / f.name)) for f in night.files]
        return syn.Night(files, copy.deepcopy(night.truth), copy.deepcopy(night.stars))

    monkeypatch.setattr(syn, "simulate_night", simulate_night)


@pytest.fixture
def celery_live(settings):
    """Send tasks through the broker instead of running them in-process."""
    from issp_portal.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    yield app


@pytest.fixture(scope="session", autouse=True)
def _session_storage(tmp_path_factory):
    """The whole session (and its worker process) writes archive and raw files under one temp folder."""
    from django.conf import settings

    base = tmp_path_factory.mktemp("storage")
    settings.ARCHIVE_ROOT = base / "archive"
    settings.RAW_ROOT = base / "raw"
    settings.ARCHIVE_ROOT.mkdir()
    settings.RAW_ROOT.mkdir()
    yield base


@pytest.fixture(autouse=True)
def _fresh_shared_cache():
    """Each test starts with an empty shared cache (login throttling counters, the queue cache).

    With Redis the cache shares the broker's database, so only the cache's own keys are removed
    (never flushdb: a session's Celery worker keeps its queues there). The database cache lives in the
    test database and goes with each test's transaction.
    """
    from django.conf import settings

    conf = settings.CACHES["default"]
    if "redis" in conf["BACKEND"].lower():
        import redis

        client = redis.Redis.from_url(conf["LOCATION"], socket_connect_timeout=1)
        keys = list(client.scan_iter(f"{conf.get('KEY_PREFIX', '')}:*", count=1000))
        if keys:
            client.delete(*keys)
    yield
