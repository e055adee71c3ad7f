"""Read side of surveys' people: the users who hold a role in the programs (selectors, apart from
surveys.selectors to keep both short). Users are asked here by role; what a user may read is
surveys.selectors.access_decision's to say."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from surveys.models import Program, ProgramRole


def users_with_role(*, programs, roles: tuple[str, ...]) -> QuerySet:
    """Active users holding one of `roles` in one of `programs` (role "pi" also takes each program's PI)."""
    ids = [p.pk for p in programs]
    q = Q(program_roles__program_id__in=ids, program_roles__role__in=roles)
    if ProgramRole.Role.PI in roles:
        q |= Q(pi_programs__in=ids)
    return get_user_model().objects.filter(q, is_active=True).distinct()


def calibrator_flag_deciders() -> QuerySet:
    """Active users who confirm or dismiss calibrator flags: staff and data managers (as
    surveys.services.user_can_flag_calibrators decides)."""
    q = Q(is_staff=True) | Q(program_roles__role=ProgramRole.Role.DATA_MANAGER)
    return get_user_model().objects.filter(q, is_active=True).distinct()


def roles_held(*, user) -> set[str]:
    """The roles the user holds in any program ("pi" also when PI of a program)."""
    roles = set(ProgramRole.objects.filter(user=user).values_list("role", flat=True))
    if Program.objects.filter(pi=user).exists():
        roles.add(ProgramRole.Role.PI)
    return roles
