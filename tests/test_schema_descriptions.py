"""Every part of the public schema (schema.graphql) says what it means to a person using the API.

No database: the committed SDL is read with graphql-core. A description that only repeats the
name in other words (`createdAt: "Created at."`) counts as missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    build_schema,
)
from graphql.type import introspection_types, specified_scalar_types

SCHEMA = build_schema((Path(__file__).resolve().parents[1] / "schema.graphql").read_text())
BUILT_IN = set(specified_scalar_types) | set(introspection_types)


def _defined_types() -> list[GraphQLNamedType]:
    return [t for name, t in sorted(SCHEMA.type_map.items()) if name not in BUILT_IN]


def _described_parts() -> Iterator[tuple[str, str, str | None]]:
    """(where, name, description) for every type, field, argument, input field and enum value."""
    for type_ in _defined_types():
        yield type_.name, type_.name, type_.description
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in type_.fields.items():
                yield f"{type_.name}.{field_name}", field_name, field.description
                for arg_name, arg in field.args.items():
                    yield f"{type_.name}.{field_name}({arg_name})", arg_name, arg.description
        elif isinstance(type_, GraphQLInputObjectType):
            for field_name, input_field in type_.fields.items():
                yield f"{type_.name}.{field_name}", field_name, input_field.description
        elif isinstance(type_, GraphQLEnumType):
            for value_name, value in type_.values.items():
                yield f"{type_.name}.{value_name}", value_name, value.description


def _words(text: str) -> str:
    """`createdAt`, `CREATED_AT`, "Created at." → "created at"."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text).replace("_", " ")
    return " ".join(re.sub(r"[^\w\s]", " ", spaced).lower().split())


def _restates_name(name: str, description: str) -> bool:
    words = _words(description)
    bare = re.sub(r"^(the|a|an) ", "", words)
    named = _words(name)
    return bare in (named, named + "s", named + " id") or bare + "s" == named


@pytest.mark.parametrize("where, name, description", list(_described_parts()), ids=lambda v: str(v))
def test_every_part_has_a_description_that_is_more_than_its_name(
    where: str, name: str, description: str | None
) -> None:
    assert description and description.strip(), f"{where} has no description"
    assert not _restates_name(name, description), f"{where}: {description!r} only restates its name"


def test_the_check_counts_every_kind_of_part() -> None:
    # Guards the walk itself: a schema change that hid a kind of part from it would pass vacuously.
    parts = [where for where, _, _ in _described_parts()]
    assert any("(" in where for where in parts)  # arguments
    assert "Visibility.RESTRICTED" in parts  # enum values
    assert "TeamInput.leadAllocation" in parts  # input fields
    assert "Node.id" in parts  # interface fields
    assert "DateTime" in parts and "String" not in parts  # custom scalars, not built-in ones


@pytest.mark.parametrize(
    "name, description",
    [("createdAt", "Created at."), ("teamId", "The team id"), ("ADMIN", "Admin"), ("skills", "The skill.")],
)
def test_a_description_that_rewords_the_name_is_caught(name: str, description: str) -> None:
    assert _restates_name(name, description)


def test_a_description_that_explains_is_not_caught() -> None:
    assert not _restates_name("createdAt", "When the person was added to the register.")
