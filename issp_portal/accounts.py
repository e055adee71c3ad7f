"""django-allauth adapter (sign-up closed unless ACCOUNT_ALLOW_SIGNUP) and the throttled admin login form.

Every login form counts failures in allauth's `login_failed` limit (ACCOUNT_RATE_LIMITS), kept in
the shared cache: the admin form and the portal form share one counter per account and per IP,
across every worker.
"""
from allauth.account.adapter import DefaultAccountAdapter, get_adapter
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return bool(getattr(settings, "ACCOUNT_ALLOW_SIGNUP", False))

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """One failed-login counter per account. allauth keys it by the site's domain, which without
        django.contrib.sites is the request's Host header with its port: another port (a second server,
        or `Host: portal:1`, `:2`...) started a fresh count. An e-mail counts as its account's username."""
        login = (credentials.get("email") or credentials.get("username") or "").strip().lower()
        if "@" in login:
            users = list(get_user_model().objects.filter(email__iexact=login).values_list("username", flat=True)[:2])
            login = users[0].lower() if len(users) == 1 else login
        return f"account:{login}"


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin login, refused while the account or the IP is over its failed-login limit."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "too_many_login_attempts": "Too many failed login attempts. Try again later.",
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        if username is None or self.cleaned_data.get("password") is None or self.request is None:
            return super().clean()
        adapter = get_adapter(self.request)
        try:
            adapter.pre_authenticate(self.request, username=username)  # consumes one try, or refuses
        except ValidationError:
            raise ValidationError(self.error_messages["too_many_login_attempts"],
                                  code="too_many_login_attempts") from None
        cleaned = super().clean()  # raises on a wrong password: the try stays counted
        adapter._rollback_login_failed_rl_usage()  # a successful login does not count against the limit
        return cleaned
