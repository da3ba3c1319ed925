"""Append-only tables: rows are facts, corrections are new rows.

A model says so by inheriting `AppendOnlyModel` (the ORM refuses to update or delete its rows),
and PostgreSQL holds the rule for everyone else.

A migration makes a table append-only with `AppendOnly("ModelName")`: a row trigger refusing
`UPDATE` and `DELETE` to everyone (raw SQL and a psql prompt included), as django-hordak does for
its ledger. Every such trigger calls the one function `forbid_mutation()`. `TRUNCATE` fires no row
trigger, so the test suite can still empty the tables between tests.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.db.migrations.operations.base import Operation


class AppendOnlyError(Exception):
    """A row of an append-only table was about to be updated or deleted."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} cannot be updated.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} cannot be deleted.")


class AppendOnlyModel(models.Model):
    """Rows are inserted, never changed: the ORM refuses, and a migration's `AppendOnly` makes
    PostgreSQL refuse too (raw SQL and a psql prompt included)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.verbose_name_plural} cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{self._meta.verbose_name_plural} cannot be deleted.")


# `restrict_violation` (SQLSTATE 23001): an integrity error, like the check constraints' refusals.
FORBID_MUTATION = """
CREATE OR REPLACE FUNCTION forbid_mutation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';
END;
$$;
"""


class AppendOnly(Operation):
    """Refuse UPDATE and DELETE on the model's table from now on (reversible: drops the trigger)."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str) -> None:
        self.model_name = model_name

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return self.__class__.__qualname__, [self.model_name], {}

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass  # the model's state is unchanged: only the database learns the rule

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        trigger, table = self._names(app_label, to_state, schema_editor)
        schema_editor.execute(FORBID_MUTATION, params=None)
        schema_editor.execute(
            f"CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION forbid_mutation()"
        )

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        trigger, table = self._names(app_label, from_state, schema_editor)
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")

    def describe(self) -> str:
        return f"Make {self.model_name} append-only (no UPDATE or DELETE)"

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.model_name.lower()}_append_only"

    def _names(self, app_label: str, state: Any, schema_editor: Any) -> tuple[str, str]:
        """The trigger's and the table's quoted names."""
        table = state.apps.get_model(app_label, self.model_name)._meta.db_table
        return schema_editor.quote_name(f"{table}_append_only"), schema_editor.quote_name(table)
