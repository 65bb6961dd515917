"""Reshaped variants of a document, and what they must answer.

`variants` rewrites a query document as clients may: fields left out, reordered, aliased, moved
into named and inline fragments, and fields under `@include`/`@skip` with literals and with
variables (a hidden copy that must not appear, a kept one that must). `projected` is what a
variant must answer, made from the original's answer: the variant's fields, by their response
keys, read from the original's data (independently of the hub's own field collection)."""

from __future__ import annotations

import random
from typing import Any

from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    NameNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    VariableDefinitionNode,
    VariableNode,
    get_named_type,
    parse,
    print_ast,
)

# The variables every variant declares for its directives.
FLAGS = {"yes": True, "no": False}


def _directive(name: str, condition: bool | str) -> DirectiveNode:
    value: Any = (
        VariableNode(name=NameNode(value=condition))
        if isinstance(condition, str)
        else BooleanValueNode(value=condition)
    )
    return DirectiveNode(
        name=NameNode(value=name), arguments=(ArgumentNode(name=NameNode(value="if"), value=value),)
    )


class _Reshaper:
    def __init__(self, schema: GraphQLSchema, rnd: random.Random) -> None:
        self.schema = schema
        self.rnd = rnd
        self.fragments: list[FragmentDefinitionNode] = []
        self.aliases = 0  # the schema allows 15 per operation (hub/api/schema.py MAX_ALIASES)

    def alias(self, name: str) -> NameNode | None:
        if self.aliases >= 10:
            return None
        self.aliases += 1
        return NameNode(value=name)

    def selection_set(self, selection_set: SelectionSetNode, parent: GraphQLNamedType) -> SelectionSetNode:
        rnd = self.rnd
        fields = [s for s in selection_set.selections if isinstance(s, FieldNode)]
        keep = [f for f in fields if f.name.value == "__typename" or rnd.random() > 0.2]
        if not any(f.name.value != "__typename" for f in keep):
            keep = fields  # a selection set keeps at least one real field
        items: list[SelectionNode] = []
        for node in keep:
            name = node.name.value
            child = None
            if node.selection_set is not None:
                assert isinstance(parent, GraphQLObjectType)
                child = self.selection_set(node.selection_set, get_named_type(parent.fields[name].type))
            alias = self.alias(f"x_{name}") if name != "__typename" and rnd.random() < 0.3 else node.alias
            directives: tuple[DirectiveNode, ...] = ()
            roll = rnd.random()
            if roll < 0.1:
                directives = (_directive("include", True),)
            elif roll < 0.2:
                directives = (_directive("skip", "no"),)
            items.append(FieldNode(alias=alias, name=node.name, arguments=node.arguments, directives=directives,
                                   selection_set=child))  # fmt: skip
            leaf = child is None and name != "__typename"
            hidden_alias = self.alias(f"hidden_{name}") if leaf and rnd.random() < 0.15 else None
            if hidden_alias is not None:
                # A copy the directives leave out: it must not be in the answer.
                hidden = rnd.choice(
                    [_directive("include", False), _directive("skip", "yes"), _directive("include", "no")]
                )
                items.append(
                    FieldNode(
                        alias=hidden_alias, name=node.name, arguments=node.arguments, directives=(hidden,)
                    )
                )
        rnd.shuffle(items)
        if isinstance(parent, GraphQLObjectType) and len(items) > 1 and rnd.random() < 0.5:
            cut = rnd.randint(1, len(items) - 1)
            moved, items = items[:cut], items[cut:]
            if rnd.random() < 0.5:
                name = f"F{len(self.fragments)}"
                self.fragments.append(
                    FragmentDefinitionNode(
                        name=NameNode(value=name),
                        type_condition=NamedTypeNode(name=NameNode(value=parent.name)),
                        directives=(),
                        selection_set=SelectionSetNode(selections=tuple(moved)),
                    )
                )
                items.append(FragmentSpreadNode(name=NameNode(value=name), directives=()))
            else:
                condition = NamedTypeNode(name=NameNode(value=parent.name)) if rnd.random() < 0.5 else None
                items.append(InlineFragmentNode(type_condition=condition, directives=(),
                                                selection_set=SelectionSetNode(selections=tuple(moved))))  # fmt: skip
        return SelectionSetNode(selections=tuple(items))


def variants(document: str, schema: GraphQLSchema, count: int, seed: int) -> list[str]:
    """`count` reshaped variants of a one-operation document without fragments."""
    parsed = parse(document)
    [operation] = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
    root = schema.query_type
    assert root is not None
    out = []
    for i in range(count):
        reshaper = _Reshaper(schema, random.Random(seed * 1000 + i))  # noqa: S311 - reproducible shapes, no secret
        selection = reshaper.selection_set(operation.selection_set, root)
        used = print_ast(DocumentNode(definitions=(*reshaper.fragments, OperationDefinitionNode(
            operation=operation.operation, selection_set=selection))))  # fmt: skip
        flags = tuple(
            VariableDefinitionNode(
                variable=VariableNode(name=NameNode(value=name)),
                type=NamedTypeNode(name=NameNode(value="Boolean")),
                default_value=BooleanValueNode(value=value),
                directives=(),
            )
            for name, value in FLAGS.items()
            if f"${name}" in used  # a declared variable must be used
        )
        variant = OperationDefinitionNode(
            operation=operation.operation,
            name=operation.name,
            variable_definitions=(*(operation.variable_definitions or ()), *flags),
            directives=(),
            selection_set=selection,
        )
        out.append(print_ast(DocumentNode(definitions=(variant, *reshaper.fragments))))
    return out


def _shown(node: SelectionNode, variables: dict[str, Any]) -> bool:
    for directive in node.directives or ():
        [argument] = directive.arguments or ()
        value = (
            variables[argument.value.name.value]
            if isinstance(argument.value, VariableNode)
            else argument.value.value
        )  # type: ignore[attr-defined]
        if (directive.name.value == "skip") == bool(value):
            return False
    return True


def _fields(
    selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode], variables: dict[str, Any]
) -> list[FieldNode]:
    found: list[FieldNode] = []
    for node in selection_set.selections:
        if not _shown(node, variables):
            continue
        if isinstance(node, FieldNode):
            found.append(node)
        elif isinstance(node, InlineFragmentNode):
            found += _fields(node.selection_set, fragments, variables)
        elif isinstance(node, FragmentSpreadNode):
            found += _fields(fragments[node.name.value].selection_set, fragments, variables)
    return found


def projected(original: Any, variant: str, variables: dict[str, Any] | None = None) -> Any:
    """What `variant` answers when the original document (no aliases) answered `original`."""
    parsed = parse(variant)
    fragments = {d.name.value: d for d in parsed.definitions if isinstance(d, FragmentDefinitionNode)}
    [operation] = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
    values = {**FLAGS, **(variables or {})}

    def walk(data: Any, selection_set: SelectionSetNode) -> Any:
        if data is None:
            return None
        if isinstance(data, list):
            return [walk(item, selection_set) for item in data]
        out: dict[str, Any] = {}
        for node in _fields(selection_set, fragments, values):
            value = data[node.name.value]
            key = node.alias.value if node.alias else node.name.value
            out[key] = walk(value, node.selection_set) if node.selection_set is not None else value
        return out

    return walk(original, operation.selection_set)
