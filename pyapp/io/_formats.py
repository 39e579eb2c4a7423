"""Keras 3 `.keras` files and TF.js layers-format models, read into one model description and written back.

`Model` is the neutral description: canonical layer configs (see `_layers`), the
functional graph, and each layer's weights as numpy arrays in Keras 3's variable order.
A pyapp model is one of these (`pyapp.Model._description`); engines build from it.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass, field

import numpy as np

from ._hdf5 import Group, HDF5Error, read_h5, write_h5
from ._layers import (ConversionError, canonical_from_keras, canonical_from_tfjs, check_weight_shapes,
                      keras_from_canonical, keras_weight_groups, spec_for, tfjs_from_canonical, tfjs_weight_names,
                      weight_names)

# The Keras version whose `.keras` format this module writes (verified with it in the tests).
KERAS_FORMAT_VERSION = "3.15.1"
TFJS_VERSION = "4.22.0"
SHARD_BYTES = 4 * 1024 * 1024  # as TF.js and its converter split weights


@dataclass
class Layer:
    class_name: str
    name: str
    config: dict
    inbound_nodes: list = field(default_factory=list)  # [[ [layer, node, tensor], ... ], ...]
    weights: list | None = field(default_factory=list)  # Keras 3's order; None: not made yet


@dataclass
class Model:
    kind: str  # "Sequential" or "Functional"
    name: str
    layers: list
    inputs: list = field(default_factory=list)  # [[layer, node, tensor], ...] (Functional)
    outputs: list = field(default_factory=list)
    # Keras 3's serialized compile arguments (config.json's "compile_config"), as read or to be
    # written; None for a model not compiled. pyapp.models.saving reads and makes them.
    compile_config: dict | None = None
    # A functional model made with dicts, Model(inputs={"age": ...}): the keys, one per entry of
    # inputs / outputs, which are in the keys' sorted order (as Keras flattens a dict); else None.
    input_keys: list | None = None
    output_keys: list | None = None

    def check(self, weights: bool = True) -> None:
        """Checks the graph and, with `weights`, that every layer has its weights, of the
        right count and shapes (`weights=False`: a layer may have none yet, None)."""
        names = set()
        for layer in self.layers:
            if layer.name in names:
                raise ConversionError(f"two layers are named {layer.name!r}")
            names.add(layer.name)
            for node in layer.inbound_nodes:
                for ref in node:
                    if ref[0] not in names:
                        raise ConversionError(f"layer {layer.name!r} is called on {ref[0]!r}, which is not "
                                              "a layer defined before it")
            if layer.weights is None:
                if weights:
                    raise ConversionError(f"layer {layer.name!r} has no weights yet")
                continue
            check_weight_shapes(layer.class_name, layer.name, layer.config, layer.weights)
            for array in layer.weights:
                if array.dtype != np.float32:
                    raise ConversionError(f"layer {layer.name!r}: weight of dtype {array.dtype} (only float32)")
        for ref in self.inputs + self.outputs:
            if ref[0] not in names:
                raise ConversionError(f"the model's inputs/outputs name {ref[0]!r}, which is not a layer")
        if self.kind == "Sequential" and (not self.layers or self.layers[0].class_name != "InputLayer"):
            raise ConversionError("the Sequential model has no input shape (build it, or give it an Input)")


# --------------------------------------------------------------------------- helpers


def _snake(name: str) -> str:
    """Keras' `naming.to_snake_case`: how `.keras` weight files name a layer's group."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _weight_paths(model: Model) -> list[tuple[Layer, str]]:
    """Each layer's group in model.weights.h5, as Keras 3's saving_lib names them.

    Keras walks `model.layers` (which, for Sequential, leaves out the InputLayer) and names
    each entry by its class in snake case, with `_1`, `_2`, ... for repeats: by class and
    order, never by the layer's own name.
    """
    used: dict[str, int] = {}
    out = []
    for layer in _keras_order(model):
        if model.kind == "Sequential" and layer.class_name == "InputLayer":
            continue
        base = _snake(layer.class_name)
        if base in used:
            used[base] += 1
            path = f"layers/{base}_{used[base]}"
        else:
            used[base] = 0
            path = f"layers/{base}"
        out.append((layer, path))
    return out


def _keras_order(model: Model) -> list[Layer]:
    """A functional model's layers in the order Keras 3 gives them (`map_graph` in
    keras/src/ops/function.py): by depth, the longest path to an output, deepest first;
    ties in the order a depth-first walk from the outputs first meets them. A description
    read elsewhere (a pyapp model, TF.js) may list them otherwise."""
    if model.kind == "Sequential":
        return list(model.layers)
    by_name = {layer.name: layer for layer in model.layers}
    parents = {layer.name: [ref[0] for node in layer.inbound_nodes[:1] for ref in node] for layer in model.layers}
    first_met, finished = {}, []

    def walk(name: str) -> None:
        if name in finished:
            return
        first_met.setdefault(name, len(first_met))
        for parent in parents[name]:
            walk(parent)
        finished.append(name)

    for ref in model.outputs:
        walk(ref[0])
    depth: dict[str, int] = {}
    for name in reversed(finished):
        here = depth.setdefault(name, 0)
        for parent in parents[name]:
            depth[parent] = max(depth.get(parent, 0), here + 1)
    unused = [layer for layer in model.layers if layer.name not in depth]  # an input no output needs
    return sorted((by_name[name] for name in depth), key=lambda layer: (-depth[layer.name], first_met[layer.name])) \
        + unused


def _json(data, what: str):
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            raise ConversionError(f"{what} is not UTF-8 text") from None
    if isinstance(data, str):
        try:
            return json.loads(data)
        except json.JSONDecodeError as error:
            raise ConversionError(f"{what} is not valid JSON (truncated or damaged?): {error}") from None
    return data


def _read_bytes(source) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    with open(os.fspath(source), "rb") as stream:
        return stream.read()


def _ref(value, where: str) -> list:
    if (not isinstance(value, (list, tuple)) or len(value) < 3 or not isinstance(value[0], str)
            or not isinstance(value[1], int) or not isinstance(value[2], int)):
        raise ConversionError(f"{where}: expected [layer_name, node_index, tensor_index], got {value!r}")
    return [value[0], value[1], value[2]]


def _keyed_refs(value, where: str) -> tuple[list, list | None]:
    """input_layers/output_layers and their keys: a dict (a model made with dicts) is read in
    its keys' sorted order, the order of Keras' tree.flatten; the keys are None otherwise."""
    if isinstance(value, dict):
        keys = sorted(value)
        return [_ref(value[key], f"{where}[{key!r}]") for key in keys], keys
    return _refs(value, where), None


def _refs(value, where: str) -> list:
    """input_layers/output_layers: Keras 3 writes one tensor flat, several as a list of lists."""
    if isinstance(value, list) and value and isinstance(value[0], str):
        return [_ref(value, where)]
    if not isinstance(value, list):
        raise ConversionError(f"{where}: expected a list, got {value!r}")
    return [_ref(v, where) for v in value]


# --------------------------------------------------------------------------- Keras 3


def read_keras(source) -> Model:
    """A `.keras` file (path or bytes) as a `Model`."""
    data = _read_bytes(source)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ConversionError("not a .keras file: it is not a zip archive") from None
    with archive:
        names = set(archive.namelist())
        if "config.json" not in names:
            raise ConversionError(f"not a .keras file: the zip has no config.json (it has: {', '.join(sorted(names)) or 'nothing'})")
        if "model.weights.h5" not in names:
            if "model.weights.json" in names:
                raise ConversionError(".keras files with sharded weights are not supported")
            raise ConversionError("the .keras file has no model.weights.h5 (weights missing)")
        config = _json(archive.read("config.json"), "config.json")
        try:
            weights = read_h5(archive.read("model.weights.h5"))
        except HDF5Error as error:
            raise ConversionError(f"model.weights.h5: {error}") from None
    return _model_from_keras_config(config, weights)


def _model_from_keras_config(config: dict, weights: Group | None) -> Model:
    """The model a Keras 3 config describes; with `weights=None`, the architecture only."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ConversionError("config.json does not describe a Keras model")
    kind = config["class_name"]
    inner = config.get("config") or {}
    if kind not in ("Sequential", "Functional", "Model") or not isinstance(inner.get("layers"), list):
        raise ConversionError(f"model class {config.get('registered_name') or kind!r} cannot be converted: only "
                              "Sequential and functional models can (a subclassed model has no layer graph)")
    kind = "Sequential" if kind == "Sequential" else "Functional"
    layers = []
    for entry in inner["layers"]:
        if not isinstance(entry, dict) or "class_name" not in entry:
            raise ConversionError(f"config.json: cannot read layer entry {entry!r:.200}")
        class_name = entry["class_name"]
        layer_config = entry.get("config") or {}
        name = entry.get("name") or layer_config.get("name")
        registered = entry.get("registered_name")
        if (registered not in (None, class_name)) or not str(entry.get("module") or "keras").startswith("keras"):
            raise ConversionError(f"layer {name!r}: custom layer class {registered or class_name!r} is not supported")
        spec_for(class_name, name)
        canonical = canonical_from_keras(class_name, layer_config, f"layer {name!r} ({class_name})")
        canonical["name"] = name
        nodes = [_keras_node(node, name) for node in entry.get("inbound_nodes") or []]
        layers.append(Layer(class_name, name, canonical, nodes))
    model = Model(kind, inner.get("name", "model"), layers)
    if kind == "Sequential":
        if not layers or layers[0].class_name != "InputLayer":
            shape = inner.get("build_input_shape") or (config.get("build_config") or {}).get("input_shape")
            if shape is None:
                raise ConversionError("the Sequential model has no input shape (it was saved before being built)")
            taken = {layer.name for layer in layers}
            name = next(n for n in ("input_layer", *(f"input_layer_{i}" for i in range(1, 1000))) if n not in taken)
            layers.insert(0, Layer("InputLayer", name, {"batch_shape": list(shape), "dtype": "float32",
                                                         "sparse": False, "name": name}))
    else:
        model.inputs, model.input_keys = _keyed_refs(inner.get("input_layers"), "input_layers")
        model.outputs, model.output_keys = _keyed_refs(inner.get("output_layers"), "output_layers")
    model.compile_config = config.get("compile_config") or None
    if weights is None:
        return model
    _read_keras_weights(model, weights)
    model.check()
    return model


def _keras_node(node, layer_name: str) -> list:
    where = f"layer {layer_name!r}, inbound node"
    if isinstance(node, list):  # the Keras 2 form, which Keras 3 still reads
        return [_ref(ref, where) for ref in node]
    if not isinstance(node, dict):
        raise ConversionError(f"{where}: cannot read {node!r:.200}")
    refs = []

    def collect(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            refs.append(_ref(value["config"]["keras_history"], where))
        elif isinstance(value, (list, tuple)):
            for v in value:
                collect(v)
        else:
            raise ConversionError(f"{where}: argument {value!r:.100} is not a tensor; only layers called on "
                                  "tensors can be converted")

    collect(node.get("args", []))
    for key, value in (node.get("kwargs") or {}).items():
        if key == "training" or value is None:
            continue
        raise ConversionError(f"{where}: call argument {key}={value!r:.100} is not supported")
    return refs


def _read_keras_weights(model: Model, root: Group, check_names: bool = True) -> None:
    """Each layer's weights from their group; `check_names`: a `.keras` file's groups must
    name its config's layers (a `.weights.h5` file fits any model of that architecture, as
    Keras matches groups by class and order)."""
    paths = _weight_paths(model)
    layers_group = root.get("layers")
    known = {path.split("/", 1)[1] for _, path in paths}
    if isinstance(layers_group, Group):
        extra = sorted(k for k, v in layers_group.items() if k not in known and _has_arrays(v))
        if extra:
            raise ConversionError(f"model.weights.h5 has weights for layers that config.json does not have: "
                                  f"{', '.join(extra)}")
    for layer, path in paths:
        outer = root.path(path + "/vars")
        if check_names and isinstance(outer, Group) and "name" in outer.attrs and outer.attrs["name"] != layer.name:
            raise ConversionError(f"model.weights.h5: the weights at {path} belong to layer "
                                  f"{outer.attrs['name']!r}, but config.json puts {layer.name!r} there")
        layer.weights = []
        for where, _ in keras_weight_groups(layer.class_name, layer.config):
            group = root.path(f"{path}/{where}")
            if group is None:
                continue
            if not isinstance(group, Group):
                raise ConversionError(f"model.weights.h5: {path}/{where} is not a group")
            keys = list(group.keys())
            if sorted(keys, key=lambda k: (len(k), k)) != [str(i) for i in range(len(keys))]:
                raise ConversionError(f"model.weights.h5: {path}/{where}: unexpected variable names {keys}")
            layer.weights += [np.asarray(group[str(i)]) for i in range(len(keys))]
        names = weight_names(layer.class_name, layer.config)
        if len(names) == len(layer.weights):  # Keras' int32 weights (Normalization's count) are float32 here
            ints = spec_for(layer.class_name, layer.name).int_weights
            layer.weights = [w.astype(np.float32) if name in ints else w for name, w in zip(names, layer.weights)]


def _has_arrays(node) -> bool:
    if isinstance(node, Group):
        return any(_has_arrays(v) for v in node.values())
    return True


def keras_config(model: Model) -> dict:
    """config.json of a `.keras` file for `model`."""
    layers = []
    for layer in model.layers:
        entry = {"module": "keras.layers", "class_name": layer.class_name,
                 "config": keras_from_canonical(layer.class_name, layer.config), "registered_name": None}
        if model.kind == "Functional":
            entry["name"] = layer.name
            # The nested-list node form, which Keras 3 reads (functional.deserialize_node): it
            # needs no tensor shapes, which a TF.js model.json does not record.
            entry["inbound_nodes"] = [[[*ref, {}] for ref in node] for node in layer.inbound_nodes]
        layers.append(entry)
    policy = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}
    if model.kind == "Sequential":
        shape = model.layers[0].config["batch_shape"]
        return {"module": "keras", "class_name": "Sequential",
                "config": {"name": model.name, "trainable": True, "dtype": policy, "layers": layers},
                "registered_name": None, "build_config": {"input_shape": shape}}

    def refs(values, keys):
        if keys is not None:
            return {key: list(value) for key, value in zip(keys, values)}
        return list(values[0]) if len(values) == 1 else [list(v) for v in values]

    return {"module": "keras.src.models.functional", "class_name": "Functional",
            "config": {"name": model.name, "trainable": True, "layers": layers,
                       "input_layers": refs(model.inputs, model.input_keys),
                       "output_layers": refs(model.outputs, model.output_keys)},
            "registered_name": "Functional", "build_config": {"input_shape": None}}


def write_keras(model: Model) -> bytes:
    """The bytes of a `.keras` file for `model`, with its `compile_config` if it has one (no
    optimizer state: it is not carried over)."""
    model.check()
    metadata = {"keras_version": KERAS_FORMAT_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
                "converted_by": "pyapp.io"}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("metadata.json", json.dumps(metadata))
        config = keras_config(model)
        if model.compile_config:  # as Keras writes it beside build_config
            config["compile_config"] = model.compile_config
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", write_keras_weights(model))
    return out.getvalue()


def read_keras_weights(model: Model, source) -> None:
    """Sets the weights of `model`'s layers from a Keras 3 `.weights.h5` file (path or bytes),
    as `model.save_weights` writes it (the model.weights.h5 of a `.keras` file)."""
    try:
        root = read_h5(_read_bytes(source))
    except HDF5Error as error:
        raise ConversionError(f"not a Keras .weights.h5 file: {error}") from None
    _read_keras_weights(model, root, check_names=False)


def write_keras_weights(model: Model) -> bytes:
    """The bytes of a Keras 3 `.weights.h5` file of `model`'s weights."""
    root = Group()
    for layer, path in _weight_paths(model):
        root.require(path + "/vars").attrs["name"] = layer.name
        ints = spec_for(layer.class_name, layer.name).int_weights
        weights = iter(zip(weight_names(layer.class_name, layer.config), layer.weights))
        for where, count in keras_weight_groups(layer.class_name, layer.config):
            vars_group = root.require(f"{path}/{where}")
            if where == "cell/vars":
                vars_group.attrs["name"] = _snake(layer.class_name) + "_cell"
            for i in range(count):
                name, array = next(weights)
                vars_group[str(i)] = np.asarray(array, dtype=np.int32 if name in ints else np.float32, order="C")
    root.require("vars").attrs["name"] = model.name
    return write_h5(root)


# --------------------------------------------------------------------------- TF.js


_DTYPE_BYTES = {"float32": (np.float32, 4), "int32": (np.int32, 4), "bool": (np.bool_, 1)}


def read_tfjs(model_json, weight_files) -> Model:
    """A TF.js layers model as a `Model`.

    `model_json`: the parsed model.json (or its text/bytes). `weight_files`: a mapping from
    the paths in its weightsManifest to bytes, or a function of the path returning bytes.
    """
    doc = _json(model_json, "model.json")
    if not isinstance(doc, dict) or "modelTopology" not in doc:
        raise ConversionError("model.json has no modelTopology: it is not a TF.js layers model")
    if doc.get("format") not in (None, "layers-model"):
        raise ConversionError(f"model.json is a {doc.get('format')!r}, not a layers-model; only layers models convert")
    manifest = doc.get("weightsManifest")
    if not isinstance(manifest, list):
        raise ConversionError("model.json has no weightsManifest")
    specs, chunks = [], []
    for group in manifest:
        data = b""
        for path in group.get("paths", []):
            try:
                part = weight_files(path) if callable(weight_files) else weight_files[path]
            except (KeyError, FileNotFoundError):
                raise ConversionError(f"weight file {path!r} named in model.json is missing") from None
            data += bytes(part)
        specs.extend(group.get("weights", []))
        chunks.append((group.get("weights", []), data))
    arrays = {}
    for weights, data in chunks:
        arrays.update(_split_weights(weights, data))
    return model_from_artifacts(doc["modelTopology"], arrays)


def _split_weights(specs: list, data: bytes) -> dict:
    out, offset = {}, 0
    need = 0
    for spec in specs:
        if spec.get("quantization"):
            raise ConversionError(f"weight {spec.get('name')!r} is quantized; quantized TF.js weights are not supported")
        if spec.get("dtype", "float32") not in _DTYPE_BYTES:
            raise ConversionError(f"weight {spec.get('name')!r} has dtype {spec.get('dtype')!r}")
        need += int(np.prod(spec["shape"], dtype=np.int64)) * _DTYPE_BYTES[spec.get("dtype", "float32")][1]
    if need != len(data):
        raise ConversionError(f"the weight files hold {len(data)} bytes, but model.json's weightsManifest "
                              f"describes {need} bytes: wrong or damaged weight files")
    for spec in specs:
        dtype, size = _DTYPE_BYTES[spec.get("dtype", "float32")]
        count = int(np.prod(spec["shape"], dtype=np.int64))
        array = np.frombuffer(data, dtype=dtype, count=count, offset=offset).reshape(spec["shape"]).copy()
        offset += count * size
        if spec["name"] in out:
            raise ConversionError(f"weight {spec['name']!r} appears twice in the weightsManifest")
        out[spec["name"]] = array
    return out


def model_from_artifacts(topology, arrays: dict) -> Model:
    """A `Model` from TF.js's modelTopology and its weights by name (as `tf.io` ModelArtifacts give)."""
    topology = _json(topology, "modelTopology")
    if isinstance(topology, dict) and "model_config" in topology:  # the Python converter's form
        topology = topology["model_config"]
    if not isinstance(topology, dict) or "class_name" not in topology:
        raise ConversionError("modelTopology does not describe a layers model")
    kind = topology["class_name"]
    inner = topology.get("config") or {}
    if isinstance(inner, list):
        inner = {"layers": inner}
    if kind not in ("Sequential", "Model", "Functional") or not isinstance(inner.get("layers"), list):
        raise ConversionError(f"model class {kind!r} cannot be converted (only Sequential and functional models)")
    layers = []
    for entry in inner["layers"]:
        class_name = entry.get("class_name")
        config = entry.get("config") or {}
        name = entry.get("name") or config.get("name")
        spec_for(class_name, name)
        config = dict(config, name=name)
        canonical = canonical_from_tfjs(class_name, config, f"layer {name!r} ({class_name})")
        nodes = []
        for node in entry.get("inbound_nodes") or []:
            refs = []
            for ref in node:
                if len(ref) > 3 and any(v is not None for v in (ref[3] or {}).values()):
                    raise ConversionError(f"layer {name!r}: call arguments {ref[3]!r} are not supported")
                refs.append(_ref(ref, f"layer {name!r}, inbound node"))
            nodes.append(refs)
        layer = Layer(class_name, name, canonical, nodes)
        layer._tfjs_input = config.get("batch_input_shape"), config.get("dtype")
        layers.append(layer)
    if kind == "Sequential":
        kind_out = "Sequential"
        if not layers:
            raise ConversionError("the Sequential model has no layers")
        if layers[0].class_name != "InputLayer":
            shape, dtype = layers[0]._tfjs_input
            if shape is None:
                raise ConversionError(f"the Sequential model's first layer {layers[0].name!r} has no "
                                      "batch_input_shape: the model has no input shape")
            taken = {layer.name for layer in layers}
            name = next(n for n in ("input_layer", *(f"input_layer_{i}" for i in range(1, 1000))) if n not in taken)
            layers.insert(0, Layer("InputLayer", name, {"batch_shape": list(shape), "dtype": dtype or "float32",
                                                         "sparse": False, "name": name}))
        model = Model(kind_out, inner.get("name", "sequential"), layers)
    else:
        model = Model("Functional", inner.get("name", "functional"), layers,
                      _refs(inner.get("input_layers"), "input_layers"), _refs(inner.get("output_layers"), "output_layers"))
    # Weights by name: "<layer name>/<weight name>" (TF.js); Keras 2's converter may add a cell scope.
    used = set()
    by_layer = {layer.name: layer for layer in layers}
    grouped: dict[str, dict[str, np.ndarray]] = {}
    for full_name, array in arrays.items():
        owner = max((n for n in by_layer if full_name.startswith(n + "/")), key=len, default=None)
        if owner is None:
            raise ConversionError(f"weight {full_name!r} belongs to no layer of the model")
        grouped.setdefault(owner, {})[full_name[len(owner) + 1:]] = array
    for layer in layers:
        wanted = tfjs_weight_names(layer.class_name, layer.config)
        have = grouped.get(layer.name, {})
        if not any("/" in name for name in wanted):  # a cell scope of Keras 2's converter, "lstm_cell/kernel"
            have = {name.rsplit("/", 1)[-1]: array for name, array in have.items()}
        missing = [w for w in wanted if w not in have]
        if missing:
            raise ConversionError(f"layer {layer.name!r} ({layer.class_name}): weights {missing} are missing "
                                  f"(the file has {sorted(have) or 'none'})")
        extra = sorted(set(have) - set(wanted))
        if extra:
            raise ConversionError(f"layer {layer.name!r} ({layer.class_name}): unexpected weights {extra}")
        layer.weights = [have[w] for w in wanted]
        used.update(wanted)
    model.check()
    return model


def tfjs_topology(model: Model) -> dict:
    """TF.js's modelTopology for `model` (which needs no weights)."""
    model.check(weights=False)
    layers = []
    if model.kind == "Sequential":
        # An explicit InputLayer first (TF.js reads it, and keeps its name and dtype). TF.js's
        # own saves instead put batch_input_shape on the first layer; read_tfjs takes both.
        if len(model.layers) < 2:
            raise ConversionError("the Sequential model has no layers besides its input")
        for layer in model.layers:
            config = tfjs_from_canonical(layer.class_name, layer.config, f"layer {layer.name!r} ({layer.class_name})")
            layers.append({"class_name": layer.class_name, "config": config})
        config = {"name": model.name, "layers": layers}
        class_name = "Sequential"
    else:
        for layer in model.layers:
            config = tfjs_from_canonical(layer.class_name, layer.config, f"layer {layer.name!r} ({layer.class_name})")
            layers.append({"name": layer.name, "class_name": layer.class_name, "config": config,
                           "inbound_nodes": [[[*ref, {}] for ref in node] for node in layer.inbound_nodes]})
        config = {"name": model.name, "layers": layers, "input_layers": [list(r) for r in model.inputs],
                  "output_layers": [list(r) for r in model.outputs]}
        class_name = "Model"
    return {"class_name": class_name, "config": config, "keras_version": f"tfjs-layers {TFJS_VERSION}",
            "backend": "tensor_flow.js"}


def tfjs_weights(model: Model) -> tuple[list, bytes]:
    """TF.js weight specs and the weights' bytes, in the model's layer order."""
    model.check()
    specs, parts = [], []
    for layer in model.layers:
        for name, array in zip(tfjs_weight_names(layer.class_name, layer.config), layer.weights):
            array = np.asarray(array, dtype="<f4", order="C")
            specs.append({"name": f"{layer.name}/{name}", "shape": list(array.shape), "dtype": "float32"})
            parts.append(array.tobytes())
    return specs, b"".join(parts)


def write_tfjs(model: Model, shard_bytes: int = SHARD_BYTES) -> tuple[dict, dict]:
    """model.json (a dict) and its weight files {name: bytes}, as TF.js's `model.save` writes them."""
    topology = tfjs_topology(model)
    specs, data = tfjs_weights(model)
    count = max(1, -(-len(data) // shard_bytes))
    files = {f"group1-shard{i + 1}of{count}.bin": data[i * shard_bytes:(i + 1) * shard_bytes] for i in range(count)}
    doc = {"format": "layers-model", "generatedBy": "pyapp.io", "convertedBy": "pyapp.io (from Keras 3)",
           "modelTopology": topology, "weightsManifest": [{"paths": list(files), "weights": specs}]}
    return doc, files
