"""What a client selected, in terms the planner understands: fields by response key, with
fragments, directives and aliases already resolved (hub/api/planning.py builds it from a
validated GraphQL operation)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Selection:
    """One field as the response shows it.

    `key` is the response key (the alias, or the field's name) and `name` the field's name
    (`__typename` for the type's name). An object field has its `fields` (for one concrete
    type, `type_name`) or, when its type is abstract (an interface or a union), `by_type`: the
    fields for each concrete type it may be. A leaf has its `scalar` (the GraphQL scalar or
    enum name) and `many` when it is a list. `site` numbers a field with arguments: its
    arguments are read per request (`Asked`), the statement takes them as parameters."""

    key: str
    name: str
    fields: tuple[Selection, ...] = ()
    type_name: str | None = None
    by_type: Mapping[str, tuple[Selection, ...]] | None = None
    scalar: str | None = None
    many: bool = False
    site: int | None = None
    children: Mapping[str, Selection] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "children", {s.key: s for s in self.fields})
