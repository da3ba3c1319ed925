"""Hand-written SQL for the few hot paths, every identifier taken from the models' metadata.

Why these paths skip the query compiler is measured in docs/performance.md. What keeps the SQL from
drifting away from the models: tables and columns are written only through `table`, `col` and
`columns` (a renamed field changes the SQL with it; a name that is no field raises), values are
named parameters going through each field's `get_db_prep_save` exactly as `Model.save()` sends
them, rows come back as model instances through `Model.from_db`, and INSERTs return what the
database generates, so a saved instance has its primary key. Constraints stay in the database.
Model signals are not sent: no receiver may listen to a model written here (clicknback/tests).
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


@cache
def _fields(model: type[Model]) -> tuple[Field, ...]:
    return tuple(model._meta.concrete_fields)


def table(model: type[Model], alias: str | None = None) -> str:
    """`"app_model"`, or `"app_model" AS "alias"`."""
    name = _quote(model._meta.db_table)
    return f"{name} AS {_quote(alias)}" if alias else name


def col(model: type[Model], field: str, alias: str | None = None) -> str:
    """The field's column (`"user_id"` for `user`), qualified by `alias` if given."""
    column = _quote(model._meta.get_field(field).column)
    return f"{_quote(alias)}.{column}" if alias else column


def columns(model: type[Model], alias: str | None = None) -> str:
    """`"alias"."col", ...` for every concrete field, in the order `from_row` reads them."""
    prefix = _quote(alias or model._meta.db_table)
    return ", ".join(f"{prefix}.{_quote(field.column)}" for field in _fields(model))


def width(model: type[Model]) -> int:
    return len(_fields(model))


def from_row(model: type[M], row: tuple[Any, ...], start: int = 0) -> M:
    """A model instance from `row[start:start + width(model)]` (as selected by `columns`)."""
    fields = _fields(model)
    return model.from_db(connection.alias, [f.attname for f in fields], row[start : start + len(fields)])


def param(model: type[Model], field: str) -> str:
    """The name of a field's value in `insert`'s parameters: unique across models, so the INSERTs
    of two models can share one statement."""
    return f"{model._meta.model_name}__{model._meta.get_field(field).attname}"


@cache
def _written(model: type[Model]) -> tuple[tuple[str, Field], ...]:
    """(parameter name, field) for each field an INSERT sends, the database-set ones left out."""
    return tuple((param(model, f.name), f) for f in _fields(model) if not getattr(f, "db_returning", False))


@cache
def _returned(model: type[Model]) -> tuple[Field, ...]:
    return tuple(f for f in _fields(model) if f.primary_key or getattr(f, "db_returning", False))


@cache
def insert_sql(model: type[Model], source: str | None = None) -> str:
    """The model's INSERT, as Django writes it, returning the primary key and database-set fields.

    With `source` (a CTE's name), the row is inserted once per row of that CTE: `INSERT ... SELECT
    ... FROM "source"`, so a preceding statement of the same query that changed nothing inserts nothing.
    """
    names = ", ".join(col(model, field.name) for _, field in _written(model))
    values = ", ".join(f"%({name})s" for name, _ in _written(model))
    returning = ", ".join(col(model, field.name) for field in _returned(model))
    rows = f"SELECT {values} FROM {_quote(source)}" if source else f"VALUES ({values})"  # noqa: S608
    return f"INSERT INTO {table(model)} ({names}) {rows} RETURNING {returning}"


def insert(instance: Model) -> tuple[str, dict[str, Any]]:
    """SQL and parameters inserting `instance` (defaults already set at construction, as for save())."""
    model = type(instance)
    values = {name: f.get_db_prep_save(f.pre_save(instance, True), connection) for name, f in _written(model)}
    return insert_sql(model), values


def returned_width(model: type[Model]) -> int:
    return len(_returned(model))


def mark_saved(instance: M, row: tuple[Any, ...], start: int = 0) -> M:
    """What `save()` leaves on an instance it inserted: the values the INSERT returned (from
    `row[start:]`), no longer adding, bound to this database."""
    for offset, field in enumerate(_returned(type(instance))):
        setattr(instance, field.attname, row[start + offset])
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance
