"""Which database constraint an IntegrityError broke, so services can map it to a domain error."""

from __future__ import annotations

from django.db import IntegrityError


def violated_constraint(exc: IntegrityError) -> str | None:
    """The name of the constraint PostgreSQL reported (psycopg's `diag`), or None if unknown."""
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)
