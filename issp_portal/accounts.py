"""django-allauth adapter: sign-up is closed unless ACCOUNT_ALLOW_SIGNUP is set."""
from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return bool(getattr(settings, "ACCOUNT_ALLOW_SIGNUP", False))
