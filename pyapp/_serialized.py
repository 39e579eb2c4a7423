"""Keras 3's serialized objects (initializers, regularizers, constraints) in pyapp's common
form, {"class_name": ..., "config": {...}}: what initializers, regularizers and
constraints share."""

from __future__ import annotations

__all__ = ["from_identifier", "plain"]


def plain(value):
    """Tuples as lists, recursively: the JSON form of configs."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def _class_name(snake: str) -> str:
    """Keras' alias to its class: glorot_uniform -> GlorotUniform, l1_l2 -> L1L2."""
    return "".join(part.capitalize() for part in snake.split("_"))


def from_identifier(identifier, where: str, kind: str, classes: dict, aliases: dict) -> dict | None:
    """`identifier` (None, a Keras name, a Keras 3 serialized dict, a common-form dict, or an
    object with `get_config()`, such as `pyapp.regularizers.L2(0.01)`) in the common form,
    with the class's default arguments filled in.

    Args:
        where: what the value is for, for errors ("dense: kernel_initializer").
        kind: "initializer", "regularizer" or "constraint", for errors.
        classes: the supported class names -> their default config.
        aliases: names that are not the snake case of their class ("uniform" -> RandomUniform).
    """
    if identifier is None:
        return None
    if hasattr(identifier, "get_config") and not isinstance(identifier, dict):  # an object, e.g. L2(0.01)
        identifier = {"class_name": type(identifier).__name__, "config": identifier.get_config()}
    if isinstance(identifier, str):
        name = aliases.get(identifier.lower(), _class_name(identifier.lower()))
        config = {}
    elif isinstance(identifier, dict) and "class_name" in identifier:
        module = str(identifier.get("module") or "keras")
        if identifier.get("registered_name") not in (None, identifier["class_name"]) or not module.startswith("keras"):
            raise ValueError(f"{where}: custom {kind} {identifier.get('registered_name') or identifier['class_name']!r} "
                             "is not supported (only Keras' own, by name)")
        name, config = identifier["class_name"], dict(identifier.get("config") or {})
    else:
        raise TypeError(f"{where}: expected a {kind} by name (e.g. {next(iter(aliases), 'zeros')!r}) or as a Keras "
                        f"config dict, got {identifier!r}")
    if name not in classes:
        raise ValueError(f"{where}: unknown or unsupported {kind} {identifier!r}; supported: "
                         f"{', '.join(sorted(classes))}")
    # None is each argument's default: left out, as older and newer Keras versions differ
    # in which of them they write (GlorotUniform's input_axes, say).
    merged = {**classes[name], **config}
    return {"class_name": name, "config": {key: value for key, value in merged.items() if value is not None}}
