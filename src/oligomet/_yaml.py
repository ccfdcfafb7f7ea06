"""YAML read safely and strictly, for every file oligomet reads (configs, pipelines, signatures).

A ``SafeLoader`` (no Python objects) that refuses a key given twice (PyYAML keeps the last one
silently) and aliases that refer to a node containing them (PyYAML builds a cyclic object), and
YAML's errors as one line with their place.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["UniqueKeyLoader", "check_acyclic", "load_strict", "yaml_problem"]


class UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that rejects a key given twice."""


def _construct_mapping(loader: UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.MarkedYAMLError(
                problem=f"key {key!r} is given twice (first on line {seen[key]})",
                problem_mark=key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def check_acyclic(node: yaml.Node | None) -> None:
    """Refuse an alias to a node that contains it (``a: &x [*x]``): such a value has no end.

    Each node is walked once, however many aliases name it.
    """
    done: set[int] = set()

    def walk(node: yaml.Node, open_: set[int]) -> None:
        if id(node) in open_:
            raise yaml.MarkedYAMLError(
                problem="an alias refers to a node that contains it (a value without end)",
                problem_mark=node.start_mark,
            )
        if id(node) in done:
            return
        if isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            children = []
        open_.add(id(node))
        for child in children:
            walk(child, open_)
        open_.discard(id(node))
        done.add(id(node))

    if node is not None:
        walk(node, set())


def load_strict(text: str) -> tuple[Any, yaml.Node | None]:
    """The value of one YAML document and its node (for the places of its keys), parsed once
    with :class:`UniqueKeyLoader` and :func:`check_acyclic`.

    Raises
    ------
    yaml.YAMLError
        Not valid YAML, a key given twice, an alias inside itself, or nested too deeply for
        Python's stack.
    """
    loader = UniqueKeyLoader(text)
    try:
        node = loader.get_single_node()
        check_acyclic(node)
        return (loader.construct_document(node) if node is not None else None), node
    except RecursionError:
        raise yaml.YAMLError("nested too deeply") from None
    finally:
        loader.dispose()


def yaml_problem(error: yaml.YAMLError) -> str:
    """A YAML error as one line with its place (``mapping values are not allowed here, line 3,
    column 9``)."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or (str(error).strip().splitlines() or ["?"])[0]
    if mark is None:
        return problem
    return f"{problem}, line {mark.line + 1}, column {mark.column + 1}"
