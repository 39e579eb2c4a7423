"""What each supported layer looks like in Keras 3 and in TF.js, and how one becomes the other.

The converters go through a *canonical* layer: Keras 3's config with the wrappers
removed (``dtype`` as a string, initializers/regularizers/constraints as
``{"class_name", "config"}``, activations by Keras 3 name, tuples as lists). From there
each side adds its own wrappers and names.

Rules (issue 6): a layer class not in `SPECS` is refused, naming the layer; a config key
that the other side cannot express is refused unless it holds its neutral default; nothing
is changed silently. Keras 3's ``hard_sigmoid`` (``x/6 + 0.5``, clipped) and TF.js's
(``0.2x + 0.5``, clipped) are different functions, so a model that uses either is refused
rather than mapped to the other.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Callable

__all__ = ["ConversionError", "SPECS", "spec_for", "weight_names", "check_weight_shapes",
           "canonical_from_keras", "keras_from_canonical", "canonical_from_tfjs", "tfjs_from_canonical"]


class ConversionError(ValueError):
    """The model cannot be converted exactly (unsupported layer or config, wrong weights, bad file)."""


_ANY = object()  # keras_only/tfjs_only: any value is accepted (it does not change what the model computes)

_INIT_REG_CONSTRAINT = ("_initializer", "_regularizer", "_constraint")


@dataclass
class Spec:
    """One layer class: the config keys both sides share, the keys only one side has."""

    keys: list[str]
    keras_only: dict = field(default_factory=dict)  # key -> the only value TF.js can represent (or _ANY: dropped)
    tfjs_only: dict = field(default_factory=dict)  # key -> accepted value (or _ANY), dropped going to Keras
    weights: Callable[[dict], list[str]] = lambda config: []
    rnn: bool = False  # Keras 3 keeps the weights in the layer's `cell`


def _bias(names):
    return lambda c: list(names) + (["bias"] if c.get("use_bias", True) else [])


_DENSE_KEYS = ["units", "activation", "use_bias", "kernel_initializer", "bias_initializer",
               "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
               "bias_constraint"]
_CONV_KEYS = ["filters", "kernel_size", "strides", "padding", "dilation_rate", "activation", "use_bias",
              "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
              "activity_regularizer", "kernel_constraint", "bias_constraint"]
_RNN_KEYS = ["units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
             "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
             "activity_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint",
             "dropout", "recurrent_dropout", "return_sequences", "return_state", "go_backwards",
             "stateful", "unroll"]
_RNN_KERAS_ONLY = {"zero_output_for_mask": False, "seed": _ANY, "use_cudnn": _ANY}
_POOL_KEYS = ["pool_size", "strides", "padding"]
_CHANNELS_LAST = {"data_format": "channels_last"}

SPECS: dict[str, Spec] = {
    "InputLayer": Spec(["batch_shape", "dtype", "sparse"], keras_only={"ragged": False, "optional": False}),
    "Dense": Spec(_DENSE_KEYS, keras_only={"quantization_config": None, "lora_rank": None, "lora_alpha": _ANY},
                  weights=_bias(["kernel"])),
    "Conv1D": Spec(_CONV_KEYS, keras_only={"groups": 1, **_CHANNELS_LAST, "lora_rank": None, "lora_alpha": _ANY},
                   weights=_bias(["kernel"])),
    "Conv2D": Spec(_CONV_KEYS + ["data_format"], keras_only={"groups": 1, "lora_rank": None, "lora_alpha": _ANY},
                   weights=_bias(["kernel"])),
    "MaxPooling1D": Spec(_POOL_KEYS, keras_only=dict(_CHANNELS_LAST)),
    "AveragePooling1D": Spec(_POOL_KEYS, keras_only=dict(_CHANNELS_LAST)),
    "MaxPooling2D": Spec(_POOL_KEYS + ["data_format"]),
    "AveragePooling2D": Spec(_POOL_KEYS + ["data_format"]),
    "GlobalAveragePooling1D": Spec([], keras_only={**_CHANNELS_LAST, "keepdims": False}),
    "GlobalMaxPooling1D": Spec([], keras_only={**_CHANNELS_LAST, "keepdims": False}),
    "GlobalAveragePooling2D": Spec(["data_format"], keras_only={"keepdims": False}),
    "GlobalMaxPooling2D": Spec(["data_format"], keras_only={"keepdims": False}),
    "Flatten": Spec([], keras_only=dict(_CHANNELS_LAST)),
    "Reshape": Spec(["target_shape"]),
    "Dropout": Spec(["rate", "noise_shape", "seed"]),
    "Activation": Spec(["activation"]),
    "BatchNormalization": Spec(
        ["axis", "momentum", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer",
         "moving_mean_initializer", "moving_variance_initializer", "beta_regularizer", "gamma_regularizer",
         "beta_constraint", "gamma_constraint"],
        keras_only={"synchronized": False, "renorm": False, "renorm_clipping": None, "renorm_momentum": _ANY},
        weights=lambda c: (["gamma"] if c.get("scale", True) else []) + (["beta"] if c.get("center", True) else [])
        + ["moving_mean", "moving_variance"]),
    "LayerNormalization": Spec(
        ["axis", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer", "beta_regularizer",
         "gamma_regularizer"],
        keras_only={"rms_scaling": False, "beta_constraint": None, "gamma_constraint": None},
        weights=lambda c: (["gamma"] if c.get("scale", True) else []) + (["beta"] if c.get("center", True) else [])),
    "Embedding": Spec(
        ["input_dim", "output_dim", "embeddings_initializer", "embeddings_regularizer", "activity_regularizer",
         "embeddings_constraint", "mask_zero"],
        keras_only={"quantization_config": None, "lora_rank": None, "lora_alpha": _ANY, "sparse": False},
        tfjs_only={"input_length": _ANY},
        weights=lambda c: ["embeddings"]),
    "SimpleRNN": Spec(_RNN_KEYS, keras_only=_RNN_KERAS_ONLY, weights=_bias(["kernel", "recurrent_kernel"]), rnn=True),
    "LSTM": Spec(_RNN_KEYS + ["recurrent_activation", "unit_forget_bias"], keras_only=_RNN_KERAS_ONLY,
                 tfjs_only={"implementation": _ANY}, weights=_bias(["kernel", "recurrent_kernel"]), rnn=True),
    "GRU": Spec(_RNN_KEYS + ["recurrent_activation", "reset_after"], keras_only=_RNN_KERAS_ONLY,
                tfjs_only={"implementation": _ANY},
                weights=_bias(["kernel", "recurrent_kernel"]), rnn=True),
    "Concatenate": Spec(["axis"]),
    "Add": Spec([]),
    "Multiply": Spec([]),
    "Average": Spec([]),
    "Maximum": Spec([]),
    "Minimum": Spec([]),
}

# Activations with the same function on both sides (Keras 3 name -> TF.js name). Measured
# equal within 1e-6 in the browser tests. hard_sigmoid is deliberately absent (see above).
ACTIVATIONS = {
    "linear": "linear", "relu": "relu", "relu6": "relu6", "sigmoid": "sigmoid", "tanh": "tanh",
    "softmax": "softmax", "softplus": "softplus", "softsign": "softsign", "elu": "elu", "selu": "selu",
    "silu": "swish", "swish": "swish", "log_softmax": "log_softmax", "mish": "mish", "gelu": "gelu",
}
_TFJS_ACTIVATIONS = {tfjs: keras for keras, tfjs in ACTIVATIONS.items() if keras != "swish"}
_TFJS_ACTIVATIONS["hardSigmoid"] = _TFJS_ACTIVATIONS["hard_sigmoid"] = None  # refused with an explanation

_INITIALIZERS = {"Zeros", "Ones", "Constant", "RandomUniform", "RandomNormal", "TruncatedNormal", "VarianceScaling",
                 "GlorotUniform", "GlorotNormal", "HeNormal", "HeUniform", "LecunNormal", "LecunUniform",
                 "Orthogonal", "Identity"}
# TF.js spells LeCun with a capital C.
_TFJS_INIT_NAMES = {"LecunNormal": "LeCunNormal", "LecunUniform": "LeCunUniform"}
_KERAS_INIT_NAMES = {v: k for k, v in _TFJS_INIT_NAMES.items()}
_NAMED_VARIANCE_SCALING = {
    (1.0, "fan_avg", "uniform"): "GlorotUniform", (1.0, "fan_avg", "truncated_normal"): "GlorotNormal",
    (2.0, "fan_in", "uniform"): "HeUniform", (2.0, "fan_in", "truncated_normal"): "HeNormal",
    (1.0, "fan_in", "uniform"): "LecunUniform", (1.0, "fan_in", "truncated_normal"): "LecunNormal",
}
_FLOAT_PARAMS = {"gain", "scale", "minval", "maxval", "mean", "stddev", "value"}
_REGULARIZERS = {"L1", "L2", "L1L2"}
_CONSTRAINTS = {"MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm"}


def spec_for(class_name: str, layer_name: str) -> Spec:
    spec = SPECS.get(class_name)
    if spec is None:
        raise ConversionError(
            f"layer {layer_name!r}: layer class {class_name!r} is not supported by the converter "
            f"(supported: {', '.join(sorted(SPECS))})")
    return spec


def weight_names(class_name: str, config: dict) -> list[str]:
    """The layer's weights in Keras 3's variable order, by their TF.js names."""
    return SPECS[class_name].weights(config)


def _expected_shapes(class_name: str, c: dict) -> dict[str, tuple]:
    """What can be said about each weight's shape from the config alone (None: any size)."""
    if class_name == "Dense":
        return {"kernel": (None, c["units"]), "bias": (c["units"],)}
    if class_name in ("Conv1D", "Conv2D"):
        k = c["kernel_size"]
        k = list(k) if isinstance(k, (list, tuple)) else [k] * (1 if class_name == "Conv1D" else 2)
        return {"kernel": (*k, None, c["filters"]), "bias": (c["filters"],)}
    if class_name == "Embedding":
        return {"embeddings": (c["input_dim"], c["output_dim"])}
    if class_name in ("SimpleRNN", "LSTM", "GRU"):
        n = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[class_name] * c["units"]
        bias = (2, n) if class_name == "GRU" and c.get("reset_after", True) else (n,)
        return {"kernel": (None, n), "recurrent_kernel": (c["units"], n), "bias": bias}
    if class_name in ("BatchNormalization", "LayerNormalization"):
        return {name: (None,) for name in ("gamma", "beta", "moving_mean", "moving_variance")}
    return {}


def check_weight_shapes(class_name: str, layer_name: str, config: dict, weights: list) -> None:
    """Weight count and shapes against the config: a mismatch is an error, never ignored."""
    names = weight_names(class_name, config)
    if len(weights) != len(names):
        raise ConversionError(
            f"layer {layer_name!r} ({class_name}): expected {len(names)} weights ({', '.join(names) or 'none'}), "
            f"the file has {len(weights)}")
    expected = _expected_shapes(class_name, config)
    sizes = set()
    for name, array in zip(names, weights):
        shape = tuple(array.shape)
        want = expected.get(name)
        if want is not None and (len(want) != len(shape) or any(w is not None and w != s for w, s in zip(want, shape))):
            shown = "(" + ", ".join("?" if w is None else str(w) for w in want) + ")"
            raise ConversionError(
                f"layer {layer_name!r} ({class_name}): weight {name!r} has shape {shape}, expected {shown}")
        if class_name in ("BatchNormalization", "LayerNormalization"):
            sizes.add(shape)
    if len(sizes) > 1:
        raise ConversionError(f"layer {layer_name!r} ({class_name}): its weights have different shapes {sorted(sizes)}")


# --------------------------------------------------------------------------- helpers


def _plain(value):
    """Tuples to lists, recursively (JSON form)."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _is_object_key(key: str) -> bool:
    return key.endswith(_INIT_REG_CONSTRAINT)


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
    return {"class_name": value["class_name"], "config": _plain(dict(value.get("config") or {}))}


def _object_to_keras(value, kind: str):
    if value is None:
        return None
    return {"module": f"keras.{kind}", "class_name": value["class_name"], "config": value["config"],
            "registered_name": None}


def _object_to_tfjs(value, where: str):
    if value is None:
        return None
    name, config = value["class_name"], dict(value["config"])
    if name in _INITIALIZERS:
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
    if name in _REGULARIZERS:
        return {"class_name": "L1L2", "config": {"l1": float(config.get("l1", 0.0)), "l2": float(config.get("l2", 0.0))}}
    if name in _CONSTRAINTS:
        return {"class_name": name, "config": config}
    raise ConversionError(f"{where}: {name} has no TF.js form")


def _object_from_tfjs(value, where: str):
    if value is None:
        return None
    if not isinstance(value, dict) or "class_name" not in value:
        raise ConversionError(f"{where}: cannot read {value!r}")
    name, config = value["class_name"], _plain(dict(value.get("config") or {}))
    name = _KERAS_INIT_NAMES.get(name, name)
    if name in _INITIALIZERS:
        for key in _FLOAT_PARAMS.intersection(config):
            if isinstance(config[key], int) and not isinstance(config[key], bool):
                config[key] = float(config[key])  # JSON from JS writes 1.0 as 1
        if name == "VarianceScaling":
            if config.get("distribution") == "normal":
                config["distribution"] = "truncated_normal"
            # TF.js saves Glorot/He/LeCun initializers as the VarianceScaling they are: name them again.
            named = _NAMED_VARIANCE_SCALING.get((config.get("scale"), config.get("mode"), config.get("distribution")))
            if named:
                return {"class_name": named, "config": {"seed": config.get("seed")}}
        return {"class_name": name, "config": config}
    if name == "L1L2":
        return {"class_name": "L1L2", "config": {"l1": config.get("l1", 0.0), "l2": config.get("l2", 0.0)}}
    if name in _CONSTRAINTS:
        return {"class_name": name, "config": config}
    raise ConversionError(f"{where}: {name} is not supported")


def _kind_of(key: str) -> str:
    return {"_initializer": "initializers", "_regularizer": "regularizers", "_constraint": "constraints"}[
        next(s for s in _INIT_REG_CONSTRAINT if key.endswith(s))]


def _activation_to_tfjs(value, where: str) -> str:
    if value is None:
        return "linear"
    if not isinstance(value, str):
        raise ConversionError(f"{where}: activation {value!r} is not supported (only built-in activations by name)")
    if value == "hard_sigmoid":
        raise ConversionError(
            f"{where}: activation 'hard_sigmoid' differs between Keras 3 (relu6(x + 3) / 6) and TF.js "
            "(clip(0.2x + 0.5, 0, 1)); it is refused rather than silently changed. Use 'sigmoid'.")
    if value not in ACTIVATIONS:
        raise ConversionError(f"{where}: activation {value!r} has no equal in TF.js "
                              f"(supported: {', '.join(sorted(ACTIVATIONS))})")
    return ACTIVATIONS[value]


def _activation_from_tfjs(value, where: str) -> str:
    if value in ("hard_sigmoid", "hardSigmoid"):
        raise ConversionError(
            f"{where}: activation 'hard_sigmoid' differs between TF.js (clip(0.2x + 0.5, 0, 1)) and Keras 3 "
            "(relu6(x + 3) / 6); it is refused rather than silently changed. Build the layer with 'sigmoid' "
            "(note: TF.js's LSTM and GRU default to recurrentActivation 'hardSigmoid'; pyapp's to 'sigmoid', "
            "as Keras 3).")
    keras = _TFJS_ACTIVATIONS.get(value)
    if keras is None:
        raise ConversionError(f"{where}: activation {value!r} has no equal in Keras 3")
    return keras


def _check_extra(key, value, allowed, where: str, other: str) -> None:
    if allowed is _ANY:
        return
    if key == "reset_after" and value:
        raise ConversionError(
            f"{where}: reset_after=True (Keras 3's default for GRU) has no TF.js form: TF.js's GRU computes "
            "reset_after=False only. Build the GRU with reset_after=False to move it to TF.js.")
    if _plain(value) != _plain(allowed):
        raise ConversionError(f"{where}: {key}={value!r} cannot be expressed in {other} (only {allowed!r} can)")


# --------------------------------------------------------------------------- Keras 3 <-> canonical


def _dtype_from_keras(value, where: str):
    if isinstance(value, dict):
        value = (value.get("config") or {}).get("name")
    return value


def canonical_from_keras(class_name: str, config: dict, where: str) -> dict:
    spec = spec_for(class_name, config.get("name", "?"))
    out = {}
    for key, value in config.items():
        if key == "dtype":
            value = _dtype_from_keras(value, where)
            if class_name != "InputLayer" and value not in (None, "float32"):
                raise ConversionError(f"{where}: dtype policy {value!r} is not supported (only float32)")
        elif _is_object_key(key):
            value = _object_from_keras(value, f"{where}, {key}")
        out[key] = _plain(value)
    if class_name == "InputLayer" and "batch_shape" not in out and "batch_input_shape" in out:
        out["batch_shape"] = out.pop("batch_input_shape")
    return out


def keras_from_canonical(class_name: str, config: dict) -> dict:
    out = {}
    for key, value in config.items():
        if key == "dtype" and class_name != "InputLayer":
            value = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": value or "float32"},
                     "registered_name": None}
        elif _is_object_key(key):
            value = _object_to_keras(value, _kind_of(key))
        out[key] = copy.deepcopy(value)
    return out


# --------------------------------------------------------------------------- TF.js <-> canonical


def tfjs_from_canonical(class_name: str, config: dict, where: str) -> dict:
    """A canonical layer config as TF.js writes it in model.json (snake_case keys)."""
    spec = spec_for(class_name, config.get("name", "?"))
    out = {"name": config["name"]}
    if class_name != "InputLayer":
        out["trainable"] = config.get("trainable", True)
    for key, value in config.items():
        if key in ("name", "trainable", "dtype"):
            continue
        if key in spec.keys:
            if key == "reset_after":
                _check_extra(key, value, False, where, "TF.js")
            if key in ("activation", "recurrent_activation"):
                value = _activation_to_tfjs(value, f"{where}, {key}")
            elif _is_object_key(key):
                value = _object_to_tfjs(value, f"{where}, {key}")
            if key == "batch_shape":
                key = "batch_input_shape"
            out[key] = _plain(value)
        elif key in spec.keras_only:
            _check_extra(key, value, spec.keras_only[key], where, "TF.js")
        elif key == "activity_regularizer" and value is None:
            continue
        elif value is None or value is False:
            continue  # a feature this converter does not know, switched off
        else:
            raise ConversionError(f"{where}: config key {key!r}={value!r} is not supported by the converter")
    if class_name == "InputLayer":
        out["dtype"] = config.get("dtype") or "float32"
        out.setdefault("sparse", False)
        if out["sparse"]:
            raise ConversionError(f"{where}: sparse inputs are not supported")
    return out


def canonical_from_tfjs(class_name: str, config: dict, where: str) -> dict:
    spec = spec_for(class_name, config.get("name", "?"))
    out = {"name": config["name"]}
    if class_name != "InputLayer":
        out["trainable"] = config.get("trainable", True)
        out["dtype"] = config.get("dtype") or "float32"
        if out["dtype"] != "float32":
            raise ConversionError(f"{where}: dtype {out['dtype']!r} is not supported (only float32)")
    else:
        out["dtype"] = config.get("dtype") or "float32"
    for key, value in config.items():
        if key in ("name", "trainable", "dtype"):
            continue
        if key == "batch_input_shape" and class_name == "InputLayer":
            key = "batch_shape"
        if key in spec.keys:
            if key in ("activation", "recurrent_activation"):
                value = _activation_from_tfjs(value, f"{where}, {key}")
            elif _is_object_key(key):
                value = _object_from_tfjs(value, f"{where}, {key}")
            elif key in ("unit_forget_bias", "mask_zero") and value is None:
                continue  # TF.js writes null for "not given"
            out[key] = _plain(value)
        elif key in spec.tfjs_only:
            _check_extra(key, value, spec.tfjs_only[key], where, "Keras 3")
        elif key in ("batch_input_shape", "input_dtype"):
            continue  # shape hints on a non-input layer: the InputLayer carries the shape
        elif key == "activity_regularizer" and value is None:
            continue
        elif value is None:
            continue
        else:
            raise ConversionError(f"{where}: config key {key!r}={value!r} is not supported by the converter")
    if class_name == "InputLayer":
        out.setdefault("sparse", False)
    if class_name == "GRU":
        if out.get("reset_after"):
            raise ConversionError(f"{where}: reset_after=True is not a TF.js GRU")
        out["reset_after"] = False  # TF.js's only form; Keras 3's default is True
    return out
