"""Demo accounts: an admin, a user and a partner, with credentials printed for the newcomer."""

from __future__ import annotations

from typing import TextIO

from accounts.models import Partner, User

DEMO_ADMIN = ("admin@example.com", "demo-admin-password-1")
DEMO_USER = ("user@example.com", "demo-user-password-1")
DEMO_PARTNER_NAME = "Demo Affiliate Network"


def seed(out: TextIO) -> None:
    admin = _ensure_user(*DEMO_ADMIN, is_staff=True, is_superuser=True)
    user = _ensure_user(*DEMO_USER)
    partner, _ = Partner.objects.get_or_create(name=DEMO_PARTNER_NAME)
    out.write(f"Admin:   {admin.email} / {DEMO_ADMIN[1]}  (http://127.0.0.1:8000/admin/)\n")
    out.write(f"User:    {user.email} / {DEMO_USER[1]}  (signs in to the member site: http://127.0.0.1:8000/signin/)\n")
    out.write(f"Partner: key={partner.key} secret={partner.secret}  (demo only: never print real secrets)\n")


def _ensure_user(email: str, password: str, **flags: bool) -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email, password, **flags)
    return user
