"""Domain errors raised by the graph layer; the hub turns them into GraphQL errors with a code."""

from __future__ import annotations

from dataclasses import dataclass, field


class DomainError(Exception):
    code = "DOMAIN_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FieldProblem:
    field: str
    problem: str


class InvalidInput(DomainError):
    """Input failed validation; nothing was written. Each problem names its field."""

    code = "BAD_USER_INPUT"

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.problem}" for p in problems))

    @classmethod
    def one(cls, field: str, problem: str) -> InvalidInput:
        return cls([FieldProblem(field, problem)])


class NotFound(DomainError):
    code = "NOT_FOUND"

    def __init__(self, kind: str, id: str, field: str | None = None) -> None:
        self.kind, self.id, self.field = kind, id, field
        where = f"{field}: " if field else ""
        super().__init__(f"{where}no {kind} with id {id!r}")


class Conflict(DomainError):
    """A uniqueness or integrity rule would be broken (duplicate email, dependency cycle...)."""

    code = "CONFLICT"

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        super().__init__(f"{field}: {problem}")


class UnknownBookmark(DomainError):
    """The request waits for a state of the database that the database does not know (it was
    replaced or restored since the bookmark was handed out): sending the request without it works."""

    code = "BAD_BOOKMARK"

    def __init__(self) -> None:
        super().__init__(
            "the bookmark sent with this request is not one this database knows; send it without"
        )


class Forbidden(DomainError):
    """The acting person may not do this (only the invitee accepts, only the lead manages members...)."""

    code = "FORBIDDEN"

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        super().__init__(f"{field}: {problem}")


@dataclass
class RowError:
    line: int
    problem: str


@dataclass
class ImportRejected(DomainError):
    """A bulk import with bad rows: every bad row is reported, nothing is written."""

    errors: list[RowError] = field(default_factory=list)
    code = "IMPORT_REJECTED"

    def __post_init__(self) -> None:
        super().__init__(f"{len(self.errors)} bad row(s); nothing was imported")


class DatabaseUnavailable(DomainError):
    code = "DATABASE_UNAVAILABLE"

    def __init__(self) -> None:
        super().__init__("the database is unavailable; try again shortly")


class ResyncRequired(DomainError):
    """A replay cursor points before the oldest kept activity (or into another database): the
    client must reload its view and subscribe afresh instead of silently missing events."""

    code = "RESYNC_REQUIRED"


class Unauthenticated(DomainError):
    """No valid sign-in or token: the caller must sign in first."""

    code = "UNAUTHENTICATED"

    def __init__(self, message: str = "sign in first: this needs a signed-in civil servant") -> None:
        super().__init__(message)


class NotAllowed(Forbidden):
    """Signed in, but the authorisation rule for this operation refuses the caller. The message
    never says whether the target exists, so a refusal is no existence oracle for restricted teams."""

    def __init__(self, operation: str, rule: str) -> None:
        self.field = operation
        DomainError.__init__(self, f"not allowed: {operation} requires {rule}")
