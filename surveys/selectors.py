"""Read-side queries of surveys/ used by every app (access decisions included)."""
from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from surveys.embargo import ANONYMOUS, Decision, Grant, Viewer, can_read_proprietary
from surveys.models import Delegation, Program, ProgramRole


def viewer_for(user) -> Viewer:
    """Build the policy's view of a user once per request (never cached beyond it)."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    cached = getattr(user, "_issp_viewer", None)
    if cached is not None:
        return cached
    program_ids = frozenset(ProgramRole.objects.filter(user=user).values_list("program_id", flat=True))
    program_ids |= frozenset(Program.objects.filter(pi=user).values_list("id", flat=True))
    grants = tuple(
        Grant(program_id=d.program_id, target_id=d.target_id, ends=d.ends)
        for d in Delegation.objects.filter(grantee=user)
    )
    viewer = Viewer(authenticated=True, staff=user.is_staff, program_ids=program_ids, grants=grants)
    user._issp_viewer = viewer
    return viewer


def access_decision(*, user, program: Program | int, target_id: int | None, t_max_mjd: float | None,
                    embargo_months: int | None = None, public: bool = False) -> Decision:
    """The one entry point pages, downloads and APIs call before showing proprietary data."""
    if isinstance(program, Program):
        program_id, months = program.pk, program.embargo_months
    else:
        program_id = program
        months = Program.objects.values_list("embargo_months", flat=True).get(pk=program_id)
    if embargo_months is not None:
        months = embargo_months
    return can_read_proprietary(
        viewer=viewer_for(user), program_id=program_id, target_id=target_id, t_max_mjd=t_max_mjd,
        embargo_months=months, now=timezone.now(), public=public,
    )


def programs_with_role(*, user, roles: tuple[str, ...]) -> QuerySet[Program]:
    """Programs where the user holds one of `roles` (staff: all programs)."""
    if user.is_staff:
        return Program.objects.all()
    q = Q(roles__user=user, roles__role__in=roles)
    if "pi" in roles:
        q |= Q(pi=user)
    return Program.objects.filter(q).distinct()
