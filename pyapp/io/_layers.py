"""Each layer of the table in Keras 3's and in TF.js's words, and how one becomes the other.

The layer table is `pyapp.layers.TABLE`: per Keras 3 class, the pyapp class, which says
which config keys both sides share, which only one side has, and its weights (see
`pyapp.layers.Layer`). This module reads it; it keeps no list of layers of its own.

The converters go through a *canonical* layer config: Keras 3's config with the wrappers
removed (``dtype`` as a string, initializers/regularizers/constraints as
``{"class_name", "config"}``, activations by Keras 3 name, tuples as lists). From there
each side adds its own wrappers and names.

Rules (issue 6): a layer class not in the table is refused, naming the layer; a config key
that the other side cannot express is refused unless it holds its neutral default; nothing
is changed silently. Keras 3's ``hard_sigmoid`` (``x/6 + 0.5``, clipped) and TF.js's
(``0.2x + 0.5``, clipped) are different functions, so a model that uses either is refused
rather than mapped to the other.
"""

from __future__ import annotations

import copy

from .. import activations, constraints, initializers, regularizers
from .._serialized import plain

__all__ = ["ConversionError", "spec_for", "weight_names", "tfjs_weight_names", "keras_weight_groups",
           "check_weight_shapes", "check_canonical",
           "canonical_from_keras", "keras_from_canonical", "canonical_from_tfjs", "tfjs_from_canonical",
           "supported_layers"]


class ConversionError(ValueError):
    """The model cannot be converted exactly (unsupported layer or config, wrong weights, bad file)."""


_OBJECT_KINDS = {"_initializer": ("initializers", initializers.CLASSES),
                 "_regularizer": ("regularizers", regularizers.CLASSES),
                 "_constraint": ("constraints", constraints.CLASSES)}
# TF.js spells LeCun with a capital C.
_TFJS_INIT_NAMES = {"LecunNormal": "LeCunNormal", "LecunUniform": "LeCunUniform"}
_KERAS_INIT_NAMES = {v: k for k, v in _TFJS_INIT_NAMES.items()}
_NAMED_VARIANCE_SCALING = {
    (1.0, "fan_avg", "uniform"): "GlorotUniform", (1.0, "fan_avg", "truncated_normal"): "GlorotNormal",
    (2.0, "fan_in", "uniform"): "HeUniform", (2.0, "fan_in", "truncated_normal"): "HeNormal",
    (1.0, "fan_in", "uniform"): "LecunUniform", (1.0, "fan_in", "truncated_normal"): "LecunNormal",
}
_FLOAT_PARAMS = {"gain", "scale", "minval", "maxval", "mean", "stddev", "value", "l1", "l2", "max_value",
                 "min_value", "rate"}


def _table() -> dict:
    from ..layers import TABLE  # the layers import this module's functions lazily too

    return TABLE


def supported_layers() -> list[str]:
    """The layer classes pyapp builds, loads and converts."""
    return sorted(_table())


_MODELS = ("Sequential", "Functional", "Model")  # Keras 3 class names of models


def spec_for(class_name: str, layer_name: str):
    """The pyapp layer class of `class_name`: its entry in the layer table."""
    from ..layers import REFUSED

    cls = _table().get(class_name)
    if class_name in _MODELS:
        raise ConversionError(
            f"layer {layer_name!r}: a {class_name} model nested as one layer (as Keras 3 saves a base model inside "
            "another) is not read by pyapp yet; in Keras, build the outer model from the base's layers one by one "
            "(for layer in base.layers: x = layer(x)), then save it")
    if class_name in REFUSED:
        raise ConversionError(f"layer {layer_name!r}: layer class {class_name!r} is refused: {REFUSED[class_name]}")
    if cls is None:
        raise ConversionError(
            f"layer {layer_name!r}: layer class {class_name!r} is not supported by pyapp "
            f"(supported: {', '.join(supported_layers())})")
    return cls


def _layer(class_name: str, config: dict):
    """The pyapp layer of a canonical config; what it refuses is a ConversionError."""
    where = f"layer {config.get('name', '?')!r} ({class_name})"
    try:
        return spec_for(class_name, config.get("name", "?")).from_canonical(config)
    except ConversionError:
        raise
    except (ValueError, TypeError) as error:
        raise ConversionError(f"{where}: {error}") from None


def weight_names(class_name: str, config: dict) -> list[str]:
    """The layer's weights in Keras 3's variable order, by their names (TF.js's too)."""
    return [name for name, _ in _layer(class_name, config).weight_specs(None)]


def tfjs_weight_names(class_name: str, config: dict) -> list[str]:
    """The same weights, in the same order, by the names TF.js gives them (under the layer's
    name; a wrapper's under its nested layers' too, as "forward_lstm/kernel")."""
    return _layer(class_name, config).tfjs_weights()


def keras_weight_groups(class_name: str, config: dict) -> list[tuple[str, int]]:
    """Where Keras 3's `.weights.h5` keeps the layer's weights (see `Layer.keras_weight_groups`)."""
    return _layer(class_name, config).keras_weight_groups()


def check_weight_shapes(class_name: str, layer_name: str, config: dict, weights: list) -> None:
    """Weight count and shapes against the config: a mismatch is an error, never ignored."""
    specs = _layer(class_name, config).weight_specs(None)
    if len(weights) != len(specs):
        names = ", ".join(name for name, _ in specs) or "none"
        raise ConversionError(f"layer {layer_name!r} ({class_name}): expected {len(specs)} weights ({names}), "
                              f"the file has {len(weights)}")
    seen = {}  # weights the config gives the same open shape (BatchNormalization's) must agree
    for (name, want), array in zip(specs, weights):
        shape = tuple(array.shape)
        if want is None:  # a shape that depends on the input's rank
            continue
        if len(want) != len(shape) or any(w is not None and w != s for w, s in zip(want, shape)):
            shown = "(" + ", ".join("?" if w is None else str(w) for w in want) + ")"
            raise ConversionError(f"layer {layer_name!r} ({class_name}): weight {name!r} has shape {shape}, "
                                  f"expected {shown}")
        if None in want and seen.setdefault(want, shape) != shape:
            raise ConversionError(f"layer {layer_name!r} ({class_name}): its weights have different shapes "
                                  f"{sorted({seen[want], shape})}")


# --------------------------------------------------------------------------- helpers


def _object_kind(key: str):
    return next((kind for suffix, kind in _OBJECT_KINDS.items() if key.endswith(suffix)), None)


def _object_from_keras(value, where: str):
    """A Keras 3 serialized initializer/regularizer/constraint to canonical {"class_name", "config"}."""
    if value is None:
        return None
    if isinstance(value, str):  # a name, e.g. "glorot_uniform" -> GlorotUniform
        value = {"class_name": "".join(p.capitalize() for p in value.split("_")), "config": {}}
    if not isinstance(value, dict) or "class_name" not in value:
        raise ConversionError(f"{where}: cannot read {value!r}")
    if value.get("registered_name") not in (None, value["class_name"]) or not str(
            value.get("module", "keras")).startswith("keras"):
        raise ConversionError(f"{where}: custom object {value.get('registered_name') or value['class_name']!r} "
                              "is not supported")
    return {"class_name": value["class_name"], "config": _without_none(value.get("config"))}


def _without_none(config) -> dict:
    """An object's arguments without those at None: None is each one's default, and Keras
    versions differ in which of them they write."""
    return {key: value for key, value in plain(dict(config or {})).items() if value is not None}


def _object_to_keras(value, module: str):
    if value is None:
        return None
    return {"module": f"keras.{module}", "class_name": value["class_name"], "config": value["config"],
            "registered_name": None}


def _object_to_tfjs(key: str, value, where: str):
    if value is None:
        return None
    module, classes = _object_kind(key)
    name, config = value["class_name"], dict(value["config"])
    if name not in classes:
        raise ConversionError(f"{where}: {name} is not a {module[:-1]} both Keras 3 and TF.js have "
                              f"(supported: {', '.join(sorted(classes))})")
    if module == "initializers":
        if name == "VarianceScaling":
            dist = config.get("distribution")
            if dist == "truncated_normal":
                config["distribution"] = "normal"  # TF.js's "normal" is truncated, as Keras 2's was
            elif dist == "untruncated_normal":
                raise ConversionError(f"{where}: VarianceScaling(distribution='untruncated_normal') has no TF.js form")
        for extra in ("input_axes", "output_axes"):
            if config.get(extra) is not None:
                raise ConversionError(f"{where}: {name}({extra}={config[extra]!r}) has no TF.js form")
            config.pop(extra, None)
        return {"class_name": _TFJS_INIT_NAMES.get(name, name), "config": config}
    if module == "regularizers":  # TF.js has L1L2 only
        return {"class_name": "L1L2", "config": {"l1": float(config.get("l1", 0.0)), "l2": float(config.get("l2", 0.0))}}
    return {"class_name": name, "config": config}


def _object_from_tfjs(key: str, value, where: str):
    if value is None:
        return None
    if not isinstance(value, dict) or "class_name" not in value:
        raise ConversionError(f"{where}: cannot read {value!r}")
    module, classes = _object_kind(key)
    name, config = value["class_name"], _without_none(value.get("config"))
    name = _KERAS_INIT_NAMES.get(name, name)
    for param in _FLOAT_PARAMS.intersection(config):
        if isinstance(config[param], int) and not isinstance(config[param], bool) and param != "axis":
            config[param] = float(config[param])  # JSON from JS writes 1.0 as 1
    if module == "initializers" and name == "VarianceScaling":
        if config.get("distribution") == "normal":
            config["distribution"] = "truncated_normal"
        # TF.js saves Glorot/He/LeCun initializers as the VarianceScaling they are: name them again.
        named = _NAMED_VARIANCE_SCALING.get((config.get("scale"), config.get("mode"), config.get("distribution")))
        if named:
            return {"class_name": named, "config": {k: v for k, v in config.items() if k == "seed"}}
    if module == "regularizers" and name == "L1L2" and not (config.get("l1") and config.get("l2")):
        # TF.js has L1L2 only: one of the two at 0 is Keras' L1 or L2, which it was.
        name, config = ("L2", {"l2": config.get("l2", 0.0)}) if not config.get("l1") else ("L1", {"l1": config["l1"]})
    if name not in classes:
        raise ConversionError(f"{where}: {name} is not supported")
    return {"class_name": name, "config": config}


def _activation(convert, value, where: str) -> str:
    try:
        return convert(value, where)
    except (ValueError, TypeError) as error:
        raise ConversionError(str(error)) from None


def _check_extra(key, value, allowed, where: str, other: str) -> None:
    from ..layers.layer import ANY

    if allowed is ANY:
        return
    if key == "reset_after" and value:
        raise ConversionError(
            f"{where}: reset_after=True (Keras 3's default for GRU) has no TF.js form: TF.js's GRU computes "
            "reset_after=False only. Build the GRU with reset_after=False to move it to TF.js.")
    if plain(value) != plain(allowed):
        raise ConversionError(f"{where}: {key}={value!r} cannot be expressed in {other} (only {allowed!r} can)")


# --------------------------------------------------------------------------- Keras 3 <-> canonical


def _dtype_from_keras(value):
    if isinstance(value, dict):
        value = (value.get("config") or {}).get("name")
    return value


def canonical_from_keras(class_name: str, config: dict, where: str) -> dict:
    from ..layers.layer import ANY

    cls = spec_for(class_name, config.get("name", "?"))
    out, derived = {}, {}
    for key, value in config.items():
        if key in cls.keras_only and (cls.keras_only[key] is ANY or plain(value) == plain(cls.keras_only[key])):
            continue  # a Keras-only key at the value TF.js computes too: not part of the canonical config
        if key in cls.nested_keys:
            value = _each_nested(value, lambda one: _nested_from_keras(cls, one, f"{where}, {key}"))
            if key in cls.derived_keys:
                derived[key] = value
                continue
        elif key == "dtype":
            value = _dtype_from_keras(value)
            if class_name != "InputLayer" and value not in (None, "float32"):
                raise ConversionError(f"{where}: dtype policy {value!r} is not supported (only float32)")
        elif _object_kind(key):
            value = _object_from_keras(value, f"{where}, {key}")
        out[key] = plain(value)
    if class_name == "InputLayer" and "batch_shape" not in out and "batch_input_shape" in out:
        out["batch_shape"] = out.pop("batch_input_shape")
    for key, value in derived.items():
        expected = cls.derived_config(out)[key]
        if _without_name(value) != _without_name(expected):
            raise ConversionError(f"{where}: {key} must be what Keras 3 makes from the other arguments "
                                  f"({expected}), got {value}")
    return out


def _without_name(nested: dict) -> dict:
    return {**nested, "config": {k: v for k, v in nested["config"].items() if k != "name"}}


def _nested_from_keras(cls, value, where: str) -> dict:
    """A wrapper's nested layer, {"module", "class_name", "config", ...}, in canonical form."""
    if not isinstance(value, dict) or not isinstance(value.get("config"), dict) or "class_name" not in value:
        raise ConversionError(f"{where}: expected a layer's config, got {value!r:.200}")
    if value.get("registered_name") not in (None, value["class_name"]) or not str(
            value.get("module") or "keras").startswith("keras"):
        raise ConversionError(f"{where}: custom layer class {value.get('registered_name')!r} is not supported")
    class_name = value["class_name"]
    config = canonical_from_keras(class_name, cls.nested_from_keras(dict(value["config"])), where)
    return {"class_name": class_name, "config": config}


def _each_nested(value, convert):
    """`convert` applied to a nested layer's config, or to each of a list of them
    (StackedRNNCells' cells)."""
    return [convert(one) for one in value] if isinstance(value, list) else convert(value)


def keras_from_canonical(class_name: str, config: dict) -> dict:
    cls = spec_for(class_name, config.get("name", "?"))
    out = {}
    for key, value in {**config, **cls.derived_config(config)}.items():
        if key in cls.nested_keys:
            value = _each_nested(value, lambda one: {
                "module": "keras.layers", "class_name": one["class_name"],
                "config": keras_from_canonical(one["class_name"], one["config"]), "registered_name": None})
        elif key == "dtype" and class_name != "InputLayer":
            value = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": value or "float32"},
                     "registered_name": None}
        elif _object_kind(key):
            value = _object_to_keras(value, _object_kind(key)[0])
        out[key] = copy.deepcopy(value)
    return out


# --------------------------------------------------------------------------- TF.js <-> canonical


def tfjs_from_canonical(class_name: str, config: dict, where: str) -> dict:
    """A canonical layer config as TF.js writes it in model.json (snake_case keys)."""
    cls = spec_for(class_name, config.get("name", "?"))
    out = {"name": config["name"]}
    if class_name != "InputLayer":
        out["trainable"] = config.get("trainable", True)
    for key, value in config.items():
        if key in ("name", "trainable", "dtype"):
            continue
        if key in cls.only:
            _check_extra(key, value, cls.only[key], where, "pyapp")
        if key in cls.nested_keys:
            value = _each_nested(value, lambda one: {"class_name": one["class_name"], "config": tfjs_from_canonical(
                one["class_name"], dict(one["config"], name=one["config"]["name"].removeprefix(cls.tfjs_nested_prefix)),
                f"{where}, {key}")})
        if key in cls.config_keys:
            if key in ("activation", "recurrent_activation"):
                value = _activation(activations.tfjs_name, value, f"{where}, {key}")
            elif _object_kind(key):
                value = _object_to_tfjs(key, value, f"{where}, {key}")
            if key == "batch_shape":
                key = "batch_input_shape"
            out[cls.tfjs_names.get(key, key)] = plain(value)
        elif key in cls.keras_only:
            _check_extra(key, value, cls.keras_only[key], where, "TF.js")
        elif key == "activity_regularizer" and value is None:
            continue
        elif value is None or value is False:
            continue  # a feature this converter does not know, switched off
        else:
            raise ConversionError(f"{where}: config key {key!r}={value!r} is not supported by pyapp")
    if class_name == "InputLayer":
        out["dtype"] = config.get("dtype") or "float32"
        out.setdefault("sparse", False)
        if out["sparse"]:
            raise ConversionError(f"{where}: sparse inputs are not supported")
    return out


def check_canonical(class_name: str, config: dict) -> None:
    """Refuses a canonical config that TF.js or pyapp cannot run as Keras 3 would."""
    tfjs_from_canonical(class_name, config, f"layer {config.get('name', '?')!r} ({class_name})")


def _nested_from_tfjs(cls, value, where: str) -> dict:
    if not isinstance(value, dict) or not isinstance(value.get("config"), dict):
        raise ConversionError(f"{where}: expected a layer's config, got {value!r:.200}")
    inner = dict(value["config"], name=cls.tfjs_nested_prefix + str(value["config"].get("name")))
    return {"class_name": value.get("class_name"), "config": canonical_from_tfjs(value.get("class_name"), inner, where)}


def canonical_from_tfjs(class_name: str, config: dict, where: str) -> dict:
    cls = spec_for(class_name, config.get("name", "?"))
    keras_names = {tfjs: keras for keras, tfjs in cls.tfjs_names.items()}
    out = {"name": config["name"]}
    if class_name != "InputLayer":
        if "trainable" in cls.base_keys:
            out["trainable"] = config.get("trainable", True)
        out["dtype"] = config.get("dtype") or "float32"
        if out["dtype"] != "float32":
            raise ConversionError(f"{where}: dtype {out['dtype']!r} is not supported (only float32)")
    else:
        out["dtype"] = config.get("dtype") or "float32"
    for key, value in config.items():
        if key in ("name", "trainable", "dtype"):
            continue
        key = keras_names.get(key, key)
        if key == "batch_input_shape" and class_name == "InputLayer":
            key = "batch_shape"
        if key in cls.nested_keys:
            value = _each_nested(value, lambda one: _nested_from_tfjs(cls, one, f"{where}, {key}"))
        if key in cls.config_keys:
            if key in ("activation", "recurrent_activation"):
                value = _activation(activations.from_tfjs, value, f"{where}, {key}")
            elif _object_kind(key):
                value = _object_from_tfjs(key, value, f"{where}, {key}")
            elif key in ("unit_forget_bias", "mask_zero") and value is None:
                continue  # TF.js writes null for "not given"
            out[key] = plain(value)
        elif key in cls.tfjs_only:
            _check_extra(key, value, cls.tfjs_only[key], where, "Keras 3")
        elif key in ("batch_input_shape", "input_dtype"):
            continue  # shape hints on a non-input layer: the InputLayer carries the shape
        elif key == "activity_regularizer" and value is None:
            continue
        elif value is None:
            continue
        else:
            raise ConversionError(f"{where}: config key {key!r}={value!r} is not supported by pyapp")
    if class_name == "InputLayer":
        out.setdefault("sparse", False)
    if class_name in ("GRU", "GRUCell"):
        if out.get("reset_after"):
            raise ConversionError(f"{where}: reset_after=True is not a TF.js GRU")
        out["reset_after"] = False  # TF.js's only form; Keras 3's default is True
    return out
