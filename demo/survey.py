"""Demo data: a believable survey in the present, with ISSP and two external programs.

The nights run from about three months before today to two months after it, with tonight among them
(observed, lost or partly lost before today; scheduled from tonight on), in the semesters those dates fall
in. Deterministic (seeded) relative to today, so screenshots and tests see the same survey each time.
The other demo modules add each app's data after it (DEMO_STEPS in the load_demo command).
"""
from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from domain.site import night_date, semester_of
from surveys.models import (
    Calibrator,
    CalibratorFlag,
    Night,
    NightAllocation,
    Observation,
    Program,
    ProgramRole,
    Semester,
    SurveyGoal,
    Target,
)

DEMO_PASSWORD = "issp-demo-2024"
DEMO_USERS = [
    # username, role, program code (None = staff)
    ("admin", "staff", None),
    ("pi_issp", "pi", "issp"),
    ("coi_issp", "member", "issp"),
    ("operator", "operator", "issp"),
    ("datamanager", "data_manager", "issp"),
    ("pi_ext", "pi", "ext-mystic-yso"),
    ("pi_ext2", "pi", "ext-spica-binaries"),
]
SPECTRAL_TYPES = ["A0V", "A2V", "F0V", "F5V", "G2V", "G8III", "K0III", "K2III", "K5III", "M0III", "B8V", "F1V"]


def _users() -> dict[str, object]:
    User = get_user_model()
    users = {}
    for username, role, _ in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.org", "first_name": username}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
        user.is_staff = user.is_superuser = role == "staff"
        user.save()
        users[username] = user
    return users


def _star_fields(rng: random.Random, ra: float, dec: float) -> dict:
    v = round(rng.uniform(3.0, 7.5), 2)
    vk = rng.uniform(0.0, 3.5)
    return {
        "ra_deg": ra,
        "dec_deg": dec,
        "pm_ra": round(rng.uniform(-200, 200), 2),
        "pm_dec": round(rng.uniform(-200, 200), 2),
        "parallax": round(rng.uniform(2, 60), 2),
        "mag_v": v,
        "mag_r": round(v - 0.35 * vk / 3, 2),
        "mag_i": round(v - 0.6 * vk / 3, 2),
        "mag_j": round(v - 0.7 * vk, 2),
        "mag_h": round(v - 0.9 * vk, 2),
        "mag_k": round(v - vk, 2),
        "spectral_type": rng.choice(SPECTRAL_TYPES),
    }


# The first demo night, in days before today: about 23 of the 37 nights are past, 14 to come.
DAYS_BEFORE_TODAY = 92


def _semester(day: dt.date) -> Semester:
    code, start, end = semester_of(day)
    return Semester.objects.get_or_create(code=code, defaults={"start": start, "end": end})[0]


def _night_days(rng: random.Random, today: dt.date, n: int = 37) -> list[dt.date]:
    """`n` night dates 3 to 5 days apart from DAYS_BEFORE_TODAY before today; tonight is one of them."""
    days, day = [], today - dt.timedelta(days=DAYS_BEFORE_TODAY)
    for _ in range(n):
        days.append(day)
        day += dt.timedelta(days=rng.choice([3, 4, 5]))
    first_ahead = next(i for i, d in enumerate(days) if d >= today)
    shift = days[first_ahead] - today
    return days[:first_ahead] + [d - shift for d in days[first_ahead:]]


@transaction.atomic
def load(*, seed: int = 2024, n_targets: int = 60, n_calibrators: int = 40, today: dt.date | None = None) -> dict:
    rng = random.Random(seed)
    today = today or night_date(timezone.now())
    users = _users()
    semester = _semester(today)
    programs = {
        "issp": dict(title="ISSP: the SPICA interferometric survey of stellar parameters", kind="survey",
                     instruments=["SPICA"], priority=1, pi=users["pi_issp"]),
        "ext-mystic-yso": dict(title="Inner discs of young stellar objects with MYSTIC", kind="external",
                               instruments=["MIRC-X", "MYSTIC"], priority=2, pi=users["pi_ext"]),
        "ext-spica-binaries": dict(title="Orbits of interacting binaries with SPICA", kind="phd",
                                   instruments=["SPICA"], priority=2, pi=users["pi_ext2"], embargo_months=24),
    }
    days = _night_days(rng, today)
    semesters = {_semester(d) for d in days} | {semester}
    prog = {}
    for code, fields in programs.items():
        prog[code], _ = Program.objects.update_or_create(code=code, defaults=fields)
        prog[code].semesters.add(*semesters)
    for username, role, code in DEMO_USERS:
        if code:
            ProgramRole.objects.get_or_create(user=users[username], program=prog[code], role=role)

    # 25 ISSP nights and 12 external nights (every third night), spread over the semester.
    nights = []
    n_external = 0
    for i, day in enumerate(days):
        night, _ = Night.objects.get_or_create(date=day, defaults={"semester": _semester(day)})
        nights.append(night)
        if i % 3 != 2:
            NightAllocation.objects.get_or_create(night=night, program=prog["issp"],
                                                  defaults={"fraction": 1.0, "instruments": ["SPICA"]})
            night.instruments = ["SPICA"]
        else:
            ext = prog["ext-mystic-yso"] if n_external % 2 else prog["ext-spica-binaries"]
            n_external += 1
            NightAllocation.objects.get_or_create(night=night, program=ext,
                                                  defaults={"fraction": 1.0, "instruments": ext.instruments})
            night.instruments = ext.instruments
        past = day < today
        lost = rng.random() < 0.15
        night.status = (Night.Status.LOST_WEATHER if lost else Night.Status.OBSERVED) if past else "scheduled"
        night.hours_lost = 8.0 if lost and past else 0.0  # a night still to come has lost nothing
        night.weather_notes = "Clouds all night." if lost and past else ""
        night.save()

    targets = []
    for i in range(n_targets):
        ra = rng.uniform(0, 360)
        dec = rng.uniform(-15, 70)
        hd = 1000 + i * 3571 % 220000
        t, _ = Target.objects.update_or_create(
            name=f"HD {hd}",
            defaults={**_star_fields(rng, ra, dec), "identifiers": f"HD {hd},HIP {hd // 2}",
                      "object_types": "*", "priority": rng.choice([1, 1, 2, 2, 3])},
        )
        code = "issp" if i < int(n_targets * 0.8) else rng.choice(["ext-mystic-yso", "ext-spica-binaries"])
        t.programs.add(prog[code])
        instrument = "MYSTIC" if code == "ext-mystic-yso" else "SPICA"
        SurveyGoal.objects.get_or_create(target=t, program=prog[code], instrument=instrument,
                                         defaults={"required_observations": 2})
        targets.append((t, prog[code], instrument))

    calibrators = []
    for i in range(n_calibrators):
        hd = 2000 + i * 4813 % 220000
        c, _ = Calibrator.objects.update_or_create(
            name=f"HD {hd}",
            defaults={**_star_fields(rng, rng.uniform(0, 360), rng.uniform(-15, 70)),
                      "udd_r": round(rng.uniform(0.2, 0.6), 3), "e_udd_r": 0.015,
                      "udd_h": round(rng.uniform(0.2, 0.6), 3), "e_udd_h": 0.012,
                      "udd_k": round(rng.uniform(0.2, 0.6), 3), "e_udd_k": 0.012},
        )
        calibrators.append(c)
    for c, kind, comment in [
        (calibrators[0], CalibratorFlag.Kind.BE_STAR, "Be star (emission in H-alpha)."),
        (calibrators[1], CalibratorFlag.Kind.BADCAL, "Listed in JMMC badcal."),
        (calibrators[2], CalibratorFlag.Kind.BAD_BINARY, "Closure phases up to 8 deg on 2024-03-14."),
    ]:
        CalibratorFlag.objects.get_or_create(calibrator=c, kind=kind,
                                             defaults={"comment": comment, "declared_by": users["pi_issp"]})

    # Observations on the observed nights: about half the goals progress.
    observed = [n for n in nights if n.status == Night.Status.OBSERVED]
    n_obs = 0
    if not Observation.objects.exists():
        allocated = set(NightAllocation.objects.filter(night__in=observed).values_list("night_id", "program_id"))
        for t, program, instrument in targets:
            own_nights = [n for n in observed if (n.pk, program.pk) in allocated]
            if not own_nights:
                continue
            for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
                night = rng.choice(own_nights)
                start = dt.datetime.combine(night.date, dt.time(4, 0), tzinfo=dt.UTC) + dt.timedelta(
                    minutes=rng.randint(0, 420))
                obs = Observation.objects.create(
                    program=program, night=night, target=t, instrument=instrument,
                    mode="MR720" if instrument == "SPICA" else "Low_K", stations="S1-S2-E1-E2-W1-W2",
                    start=start, end=start + dt.timedelta(minutes=25),
                    r0=round(rng.uniform(6, 14), 1), tau0=round(rng.uniform(2, 9), 1),
                )
                obs.calibrators.add(rng.choice(calibrators[3:]))
                n_obs += 1
    n_obs += _believable(seed=seed, nights=nights, targets=targets, calibrators=calibrators, users=users)
    return {"users": list(users), "programs": list(prog), "nights": len(nights), "targets": len(targets),
            "calibrators": len(calibrators), "observations": n_obs}


NOTES = [
    "Fast rotator (v sin i ~ 200 km/s): expect an elongated disk on long E-W baselines.",
    "Known SB1 (P = 12.4 d); check closure phases before fitting a uniform disk.",
    "Gaia DR3 RUWE 1.9: possible companion. Prefer S1-S2-E1-E2-W1-W2.",
    "Priority raised by the PI for the 2024 asteroseismology campaign.",
    "Visible-band limb darkening poorly known for this spectral type: get a second configuration.",
]
LOSS_NOTES = ["High clouds after 02:00 UT.", "Dome closed 3 h (humidity > 85 %).", "W2 delay line fault, 2.5 h lost."]


def _believable(*, seed: int, nights: list, targets: list, calibrators: list, users: dict) -> int:
    """What a real semester also has: partly lost nights, failed attempts, a second calibrator, PI notes.

    Uses its own random stream so the rest of the demo (positions, names) is unchanged; idempotent.
    """
    rng = random.Random(seed + 1)
    observed = [n for n in nights if n.status == Night.Status.OBSERVED]
    for night, note in zip(rng.sample(observed, min(3, len(observed))), LOSS_NOTES, strict=False):
        night.status, night.hours_lost, night.weather_notes = Night.Status.PARTIAL, 2.5, note
        night.save(update_fields=["status", "hours_lost", "weather_notes"])
    for (target, _program, _instrument), note in zip(targets[:5], NOTES, strict=False):
        if not target.notes:
            target.notes = note
            target.save(update_fields=["notes"])
    good = list(calibrators[3:])
    for obs in Observation.objects.filter(status=Observation.Status.EXECUTED).order_by("pk")[::3]:
        obs.calibrators.add(rng.choice(good))
    if Observation.objects.filter(status__in=[Observation.Status.FAILED, Observation.Status.ABORTED]).exists():
        return 0
    created = 0
    for obs in list(Observation.objects.filter(status=Observation.Status.EXECUTED).order_by("pk")[::7]):
        failed = rng.random() < 0.6
        start = obs.start - dt.timedelta(minutes=40)
        Observation.objects.create(
            program=obs.program, night=obs.night, target=obs.target, instrument=obs.instrument, mode=obs.mode,
            stations=rng.choice(["S1-S2-E1-E2-W1-W2", "S1-E1-W1-W2", "E1-E2-W1-W2"]), start=start,
            end=start + dt.timedelta(minutes=12),
            status=Observation.Status.FAILED if failed else Observation.Status.ABORTED,
            r0=round(rng.uniform(3, 6), 1), tau0=round(rng.uniform(1, 2.5), 1),
            comment="Fringes lost: seeing above 2 arcsec." if failed else "Aborted by the operator: W1 tip-tilt.",
        )
        created += 1
    return created
