"""Hand-written SQL for the few hot paths, still driven by the models' metadata.

Building and compiling a queryset costs far more CPU than the query itself on a small indexed
lookup (a purchase ingestion spent about a third of its CPU there). These helpers give the hot
paths the same rows without the query compiler: column lists and INSERTs come from the model's
fields (so a renamed or added column cannot drift), values go through each field's
`get_db_prep_save` exactly as `Model.save()` sends them, and rows come back as model instances
through `Model.from_db`, as the ORM builds them. Constraints stay where they are: the database.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


@cache
def _fields(model: type[Model]) -> tuple[Field, ...]:
    return tuple(model._meta.concrete_fields)


def columns(model: type[Model], alias: str | None = None) -> str:
    """`"alias"."col", ...` for every concrete field, in the order `from_row` reads them."""
    prefix = f'"{alias}".' if alias else f'"{model._meta.db_table}".'
    return ", ".join(f'{prefix}"{field.column}"' for field in _fields(model))


def width(model: type[Model]) -> int:
    return len(_fields(model))


def from_row(model: type[M], row: tuple[Any, ...], start: int = 0) -> M:
    """A model instance from `row[start:start + width(model)]` (as selected by `columns`)."""
    fields = _fields(model)
    return model.from_db(connection.alias, [f.attname for f in fields], row[start : start + len(fields)])


@cache
def _insert(model: type[Model]) -> tuple[str, tuple[Field, ...]]:
    """The model's INSERT without its database-generated (auto) primary key, as Django writes it."""
    fields = tuple(f for f in _fields(model) if not getattr(f, "db_returning", False))
    names = ", ".join(f'"{field.column}"' for field in fields)
    values = ", ".join(["%s"] * len(fields))
    sql = f'INSERT INTO "{model._meta.db_table}" ({names}) VALUES ({values})'  # noqa: S608 - names from the model
    return sql, fields


def insert(instance: Model) -> tuple[str, list[Any]]:
    """SQL and parameters inserting `instance` (defaults already set at construction, as for save())."""
    sql, fields = _insert(type(instance))
    return sql, [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]


def mark_saved(instance: M) -> M:
    """What `save()` leaves on an instance it inserted: no longer adding, bound to this database."""
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance
