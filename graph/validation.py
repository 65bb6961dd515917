"""Input validation with pydantic, reported as field-named problems before anything is written."""

from __future__ import annotations

import re
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic import ValidationError as PydanticValidationError
from pydantic.alias_generators import to_camel

from graph.errors import FieldProblem, InvalidInput

M = TypeVar("M", bound=BaseModel)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("is not a valid email address")
    return value.lower()


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20, pattern=r"^[^\s]+$")
]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(_email)]
Percent = Annotated[int, Field(ge=0, le=100)]
SkillLevel = Annotated[int, Field(ge=1, le=5)]
PublicId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class Input(BaseModel):
    """An input of the API: validated from the arguments as the API names them (camelCase), or
    built in Python by field name."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=to_camel, validate_by_name=True, validate_by_alias=True
    )


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _message(error: Any) -> str:
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    if error["type"] == "missing":
        return "is required"
    if error["type"] == "string_too_short" and error.get("ctx", {}).get("min_length") == 1:
        return "must not be empty"
    msg: str = error["msg"]
    return msg[0].lower() + msg[1:]


def validate(model: type[M], data: dict[str, Any], prefix: str = "") -> M:
    """Build `model` from `data`, or raise InvalidInput naming each bad field in API (camelCase) form."""
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        problems = [
            FieldProblem(prefix + ".".join(camel(str(p)) for p in err["loc"]) or "input", _message(err))
            for err in exc.errors()
        ]
        raise InvalidInput(problems) from None


def patch_properties(patch: Input, *, nullable: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The fields a patch sets, keyed by graph property name (camelCase).

    Fields not given are left alone; `null` clears a nullable field and is refused for the rest.
    """
    given = patch.model_dump(exclude_unset=True, mode="json")
    problems = [
        FieldProblem(camel(k), "must not be null")
        for k, v in given.items()
        if v is None and k not in nullable
    ]
    if problems:
        raise InvalidInput(problems)
    return {camel(k): v for k, v in given.items()}
