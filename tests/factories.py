"""factory_boy factories of the survey's core rows, for tests that need a few objects, not the demo survey.

A program comes with its PI (Program.pi and a ProgramRole "pi", as the demo and the admin make them);
`member(program, role)` adds a user with another role. Every user's password is PASSWORD, so a test can
log in through the form. Stars get catalogue-like positions, magnitudes and (calibrators) diameters.
"""
from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory, Password

from django.contrib.auth import get_user_model

from domain.site import semester_of
from surveys.models import (
    Calibrator,
    Night,
    NightAllocation,
    Observation,
    Program,
    ProgramRole,
    Semester,
    SurveyGoal,
    Target,
)

PASSWORD = "issp-test-2024"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = factory.LazyAttribute(lambda u: u.username)
    password = Password(PASSWORD)


class StaffFactory(UserFactory):
    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True
    is_superuser = True


class SemesterFactory(DjangoModelFactory):
    """The semester a date falls in (domain.site.semester_of), e.g. 2024A."""

    class Meta:
        model = Semester
        django_get_or_create = ("code",)

    class Params:
        day = dt.date(2024, 4, 1)

    code = factory.LazyAttribute(lambda s: semester_of(s.day)[0])
    start = factory.LazyAttribute(lambda s: semester_of(s.day)[1])
    end = factory.LazyAttribute(lambda s: semester_of(s.day)[2])


class ProgramFactory(DjangoModelFactory):
    class Meta:
        model = Program
        skip_postgeneration_save = True  # the hooks write related rows only
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"prog{n}")
    title = factory.LazyAttribute(lambda p: f"Program {p.code}")
    kind = Program.Kind.EXTERNAL
    instruments = factory.LazyFunction(lambda: ["SPICA"])
    pi = factory.SubFactory(UserFactory, username=factory.LazyAttribute(lambda u: f"pi_{u.factory_parent.code}"))

    @factory.post_generation
    def pi_role(program, create, extracted, **kwargs):
        """The PI also holds the "pi" role: access rules read roles."""
        if create and program.pi is not None:
            ProgramRole.objects.get_or_create(user=program.pi, program=program, role=ProgramRole.Role.PI)


def member(program: Program, role: str = ProgramRole.Role.MEMBER, **user_fields):
    """A user holding `role` in `program` (member = co-I, operator, data_manager, pi)."""
    user = UserFactory(**user_fields)
    ProgramRole.objects.get_or_create(user=user, program=program, role=role)
    return user


class NightFactory(DjangoModelFactory):
    class Meta:
        model = Night
        django_get_or_create = ("date",)

    date = factory.Sequence(lambda n: dt.date(2024, 3, 1) + dt.timedelta(days=n))
    semester = factory.SubFactory(SemesterFactory, day=factory.SelfAttribute("..date"))
    instruments = factory.LazyFunction(lambda: ["SPICA"])
    status = Night.Status.OBSERVED


class NightAllocationFactory(DjangoModelFactory):
    class Meta:
        model = NightAllocation

    night = factory.SubFactory(NightFactory)
    program = factory.SubFactory(ProgramFactory)
    fraction = 1.0
    instruments = factory.LazyAttribute(lambda a: list(a.program.instruments))


class _StarFactory(DjangoModelFactory):
    ra_deg = factory.Sequence(lambda n: (15.0 + 37.0 * n) % 360)
    dec_deg = factory.Sequence(lambda n: 10.0 + (n * 7) % 50)
    mag_v = 5.0
    mag_r = 4.7
    mag_h = 3.6
    mag_k = 3.5
    spectral_type = "K0III"


class TargetFactory(_StarFactory):
    """A science target; `programs=[...]` puts it in programs."""

    class Meta:
        model = Target
        skip_postgeneration_save = True  # the hooks write related rows only
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"HD {100000 + n}")
    priority = 1

    @factory.post_generation
    def programs(target, create, extracted, **kwargs):
        if create and extracted:
            target.programs.add(*extracted)


class CalibratorFactory(_StarFactory):
    class Meta:
        model = Calibrator
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"HD {200000 + n}")
    udd_r = 0.3
    e_udd_r = 0.015
    udd_h = 0.31
    e_udd_h = 0.012
    udd_k = 0.31
    e_udd_k = 0.012


class SurveyGoalFactory(DjangoModelFactory):
    class Meta:
        model = SurveyGoal
        skip_postgeneration_save = True  # the hooks write related rows only

    program = factory.SubFactory(ProgramFactory)
    target = factory.SubFactory(TargetFactory)
    instrument = "SPICA"
    required_observations = 2

    @factory.post_generation
    def in_program(goal, create, extracted, **kwargs):
        if create:
            goal.target.programs.add(goal.program)


class ObservationFactory(DjangoModelFactory):
    """An executed SPICA observation of a program's target (put in the program) on a night, 04:00 UTC;
    `calibrators=[...]` adds the calibrators observed with it."""

    class Meta:
        model = Observation
        skip_postgeneration_save = True  # the hooks write related rows only

    program = factory.SubFactory(ProgramFactory)
    night = factory.SubFactory(NightFactory)
    target = factory.SubFactory(TargetFactory)
    instrument = "SPICA"
    mode = "MR720"
    stations = "S1-S2-E1-E2-W1-W2"
    start = factory.LazyAttribute(lambda o: dt.datetime.combine(o.night.date, dt.time(4, 0), tzinfo=dt.UTC))
    end = factory.LazyAttribute(lambda o: o.start + dt.timedelta(minutes=25))
    status = Observation.Status.EXECUTED
    r0 = 10.0
    tau0 = 5.0

    @factory.post_generation
    def calibrators(observation, create, extracted, **kwargs):
        if create:
            observation.target.programs.add(observation.program)
        if create and extracted:
            observation.calibrators.add(*extracted)
