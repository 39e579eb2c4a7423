"""The TF.js engine: runs a pyapp model description on TensorFlow.js, in the page.

The model is built from the description the same way `tf.loadLayersModel` builds one from
a model.json: `pyapp.io` writes the TF.js topology from the layer table, and TF.js's own
`fromConfig` makes the layers. `predict` runs the model's graph batch by batch in one JS
function prepared per model (_PREDICTOR); `fit` (an epoch of TF.js's fit loop at a time, its
training step and shuffle), `evaluate` and fit's validation run the loops of
pyapp/backend/_losses_metrics.js, so the batch loop stays in JavaScript and Python is called
once per epoch (DESIGN.md, decision 2), or per batch only when a callback asks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib.resources import files

import numpy as np

import js
from pyodide.ffi import JsException, JsProxy, create_proxy, to_js

from .. import io as model_io
from .. import random_state
from ..data_adapters import BatchStream
from . import _tfjs
from ._tfjs import (available_backends, delete_model, fetch_app_file, get_backend, list_models, memory,
                    set_backend, to_numpy, to_tensor)

__all__ = ["PRINTS_PROGRESS", "TfjsModel", "available_backends", "build", "compile", "delete_model", "dispose",
           "evaluate", "fetch_app_file", "fit", "get_backend", "get_weights", "list_models", "load_from_app",
           "load_from_browser", "memory", "predict", "register_layers", "save_to_browser", "set_backend",
           "set_trainable", "set_weights", "to_numpy", "to_tensor", "unreachable_storage"]


@dataclass
class TfjsModel:
    """A TF.js LayersModel, and each layer's weights by their TF.js names, in Keras 3's order;
    once compiled, its losses and metrics (pyapp/backend/_losses_metrics.js) and the Keras
    name of each of TF.js's log keys; once it has predicted, its prepared predict. (A
    changed graph is a new TF.js model and a new TfjsModel; weights change in place.)"""

    model: JsProxy
    weight_names: dict[str, list[str]]
    compiled: JsProxy | None = None
    log_names: dict[str, str] = field(default_factory=dict)
    predictor: _Predictor | None = None  # made by the first predict


# ---------------------------------------------------------------- building


def _camel_case(identifier: str) -> str:
    """TF.js's toCamelCase: kernel_initializer -> kernelInitializer; no "_", no change."""
    return re.sub(r"_+(\w|$)", lambda match: match.group(1).upper(), identifier)


def _ts_config(value, key: str | None = None):
    """A model.json topology as TF.js's `fromConfig` takes it.

    This is TF.js's `convertPythonicToTs` (tfjs-layers/src/utils/serialization_utils.ts),
    which `tf.loadLayersModel` applies before `fromConfig` but TF.js does not export:
    keys and string values to camelCase, except names (of the model and its layers, and
    those in inbound nodes and in the input and output lists).
    """
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return _camel_case(value)
    if isinstance(value, list):
        keeps_names = key in ("inboundNodes", "inputLayers", "outputLayers")
        return [item if keeps_names and index == 0 and isinstance(item, str) else _ts_config(item, key)
                for index, item in enumerate(value)]
    out = {}
    for name, item in value.items():
        if name == "name" and isinstance(item, str):
            out[name] = item
        else:
            out[_camel_case(name)] = _ts_config(item, _camel_case(name))
    return out


def build(description: model_io.Model) -> TfjsModel:
    """The TF.js model of `description`, with its weights where it has them (the rest as
    the layers' initializers make them)."""
    topology = model_io.tfjs_topology(description)
    tf = _tfjs.tf()
    register_layers()
    cls = tf.Sequential if topology["class_name"] == "Sequential" else tf.LayersModel
    try:
        model = cls.fromConfig(cls, _tfjs.json_object(_ts_config(topology["config"])))
    except JsException as error:
        raise _tfjs.js_error(error) from None
    names = {entry.name: model_io.tfjs_weight_names(entry.class_name, entry.config) for entry in description.layers}
    handle = TfjsModel(model, names)
    given = {entry.name: entry.weights for entry in description.layers if entry.weights}
    if given:
        set_weights(handle, given)
    return handle


def register_layers() -> None:
    """Registers pyapp's own TF.js layers (pyapp/backend/_layers.js: Keras 3 layers that
    TF.js lacks or computes wrongly) under their Keras names, so that TF.js's `fromConfig`
    and its own loaders (`tf.loadLayersModel`) build them. Done before any model is built."""
    _library("_layers.js")


def _layers_by_name(handle: TfjsModel) -> dict:
    return {str(layer.name): layer for layer in handle.model.layers}


def _weight_key(weight, layer_name: str) -> str:
    """A weight's name under its layer's: "kernel", or a wrapper's "forward_lstm/kernel"."""
    return str(weight.originalName).split(layer_name + "/", 1)[-1]


def get_weights(handle: TfjsModel) -> dict[str, list[np.ndarray]]:
    """Each layer's weights, in Keras 3's order (TF.js's differs for some layers)."""
    out = {}
    for name, layer in _layers_by_name(handle).items():
        wanted = handle.weight_names.get(name)
        if not wanted:
            continue
        by_name = {_weight_key(w, name): w for w in layer.weights}
        out[name] = [to_numpy(by_name[weight].read()) for weight in wanted]
    return out


def set_weights(handle: TfjsModel, by_layer: dict[str, list[np.ndarray]]) -> None:
    """Sets the weights of the layers named in `by_layer` (each list in Keras 3's order).

    Each value goes straight into the weight's tf.Variable (`LayerVariable.val`): TF.js's
    `setWeights` applies a weight's constraint (MaxNorm, ...) on every write, so a loaded
    model would not keep its weights; Keras applies constraints only after an optimizer step.
    """
    layers = _layers_by_name(handle)
    for name, arrays in by_layer.items():
        given = dict(zip(handle.weight_names[name], arrays))
        for weight in layers[name].weights:
            array = np.asarray(given[_weight_key(weight, name)], dtype=np.float32)
            if tuple(weight.shape.to_py()) != array.shape:
                raise ValueError(f"layer {name!r}: weight {str(weight.originalName)!r} has shape "
                                 f"{tuple(weight.shape.to_py())}, got {array.shape}")
            tensor = to_tensor(array)
            try:
                weight.val.assign(tensor)
            except JsException as error:
                raise _tfjs.js_error(error) from None
            finally:
                tensor.dispose()


def set_trainable(handle: TfjsModel, by_layer: dict[str, bool]) -> None:
    """Which layers `fit` trains (TF.js collects the trainable weights at compile)."""
    for name, layer in _layers_by_name(handle).items():
        if name in by_layer:
            layer.trainable = by_layer[name]
            if not by_layer[name] and layer.getClassName() == "BatchNormalization":
                _js_helpers().inferenceWhenFrozen(layer)


def dispose(handle: TfjsModel) -> None:
    if handle.compiled is not None:
        handle.compiled.dispose()
    model = handle.model
    optimizer = model.optimizer
    model.dispose()
    if optimizer is not None:
        optimizer.dispose()


# ---------------------------------------------------------------- compile


def compile(handle: TfjsModel, optimizer, spec) -> None:  # noqa: A001 - Keras' verb
    """Compiles with Keras' losses and metrics computed in TF.js (`spec`: a CompileSpec)."""
    tf = _tfjs.tf()
    name, args = optimizer.tfjs_factory()
    old_optimizer, old_compiled = handle.model.optimizer, handle.compiled
    if FUSED_OPTIMIZERS:
        tfjs_optimizer = _fused_optimizers().makeOptimizer(name, *args)
    else:
        tfjs_optimizer = getattr(tf.train, name)(*args)
    try:
        handle.compiled = _losses_metrics().compile(handle.model, tfjs_optimizer, _tfjs.json_object(spec.for_page()))
    except JsException as error:
        raise _tfjs.js_error(error) from None
    handle.log_names = handle.compiled.names.to_py()
    if old_optimizer is not None:
        old_optimizer.dispose()
    if old_compiled is not None:
        old_compiled.dispose()
    optimizer.attach(_TfjsOptimizer(tfjs_optimizer, optimizer.schedule))


class _TfjsOptimizer:
    """A pyapp optimizer's TF.js optimizer: its learning rate and step count."""

    def __init__(self, tfjs_optimizer, schedule):
        self.js, self.schedule = tfjs_optimizer, schedule

    def iterations(self) -> int:
        return int(self.js.iterations)

    def learning_rate(self) -> float:
        return self.schedule(self.iterations()) if self.schedule is not None else float(self.js.learningRate)

    def set_learning_rate(self, value: float) -> None:
        _js_helpers().setRate(self.js, value)


_LIBRARIES = {}  # the evaluated JS files of this package, each once per session


def _library(file_name: str):
    if file_name not in _LIBRARIES:
        source = files(__package__).joinpath(file_name).read_text()
        _LIBRARIES[file_name] = js.Function.new("tf", source)(_tfjs.tf())
    return _LIBRARIES[file_name]


def _losses_metrics():
    return _library("_losses_metrics.js")


# True: optimizers with a fused update on the WASM backend (_fused_optimizers.js) where one is
# written; False: TF.js's own, as a reference to compare and measure against.
FUSED_OPTIMIZERS = True


def _fused_optimizers():
    return _library("_fused_optimizers.js")


# ---------------------------------------------------------------- fit, evaluate, predict


def _js_tensors(tensors: list):
    """One tensor, or a list of tensors (several inputs/outputs) as a JS array."""
    return tensors[0] if len(tensors) == 1 else to_js(tensors)


PRINTS_PROGRESS = False  # pyapp's ProgbarLogger draws the progress bar in the page


def fit(handle: TfjsModel, model, xs, ys, validation, *, batch_size, epochs, initial_epoch, shuffle, callbacks,
        history, verbose):
    """Trains with TF.js's training step, one epoch of batches per call into JS, so that
    callbacks run between epochs. `xs`, `ys`: lists of arrays, or `xs` a BatchStream (a
    PyDataset's or a generator's batches) and `ys` None; `validation` likewise.
    Returns the History; where Python cannot wait for TF.js (no JSPI), an object to await.
    (`verbose` acts through `callbacks`, which hold pyapp's progress bar.)"""
    steps = _fit_steps(handle, model, xs, ys, validation, batch_size, epochs, initial_epoch, shuffle,
                       callbacks, history)
    if _tfjs.can_block():
        return _drive_blocking(steps)
    return _PendingFit(_drive_async(steps))


# The batch hooks that stay in JavaScript: each step's learning rate from a table, running
# means of the batch logs in `means` (Keras' batch logs; the step's are the batch's own; the
# stateful metrics' logs are running values already), and calls into Python at the batches
# that need them: every one, or at most every `interval` ms.
_JS_HELPERS = """
const setRate = (optimizer, rate) => {
  if (optimizer.setLearningRate) optimizer.setLearningRate(rate);  // SGD keeps the rate as a tensor
  else optimizer.learningRate = rate;
};
const batchHooks = (optimizer, rates, begin, end, interval, steps, means) => {
  const hooks = {};
  if (rates != null || begin != null) {
    hooks.onBatchBegin = (batch) => {
      if (rates != null) setRate(optimizer, rates[batch]);
      if (begin != null) begin(batch);
    };
  }
  if (end != null) {
    let seen = 0, last = -Infinity, pending = null;
    const sums = {};
    hooks.onBatchEnd = (batch, logs) => {
      seen += logs.size;
      const running = {};
      for (const key of Object.keys(logs)) {
        if (key === "batch" || key === "size") continue;
        if (!means.includes(key)) {
          running[key] = logs[key];
          continue;
        }
        sums[key] = (sums[key] || 0) + logs[key] * logs.size;
        running[key] = sums[key] / seen;
      }
      const now = performance.now();
      if (now - last >= interval || batch === steps - 1) {
        last = now;
        pending = null;
        end(batch, running);
      } else {
        pending = [batch, running];
      }
    };
    // After the epoch's last batch: its logs, if they were held back (steps unknown: a generator).
    hooks.flush = () => {
      if (pending != null) end(...pending);
      pending = null;
    };
  }
  return hooks;
};
// Keras 3 runs a frozen BatchNormalization in inference mode (its moving statistics kept);
// TF.js's normalizes with the batch's statistics and updates them while training, frozen or not.
const inferenceWhenFrozen = (layer) => {
  if (layer.pyappInferenceWhenFrozen) return;
  const call = layer.call.bind(layer);
  layer.call = (inputs, kwargs) => call(inputs, layer.trainable ? kwargs : { ...kwargs, training: false });
  layer.pyappInferenceWhenFrozen = true;
};
return { setRate, batchHooks, inferenceWhenFrozen };
"""
_js_helpers_made = None


def _js_helpers():
    global _js_helpers_made
    if _js_helpers_made is None:
        _js_helpers_made = js.Function.new(_JS_HELPERS)()
    return _js_helpers_made


def _fit_steps(handle, model, xs, ys, validation, batch_size, epochs, initial_epoch, shuffle, callback_list,
               history):
    """Training as a generator that yields TF.js promises; a driver waits for each."""
    tfjs_model = handle.model

    def stop_if_asked():
        if model.stop_training:
            tfjs_model.stopTraining = True

    def batch_began(batch):
        callback_list.on_train_batch_begin(int(batch), {})
        stop_if_asked()

    def batch_ended(batch, logs):
        callback_list.on_train_batch_end(int(batch), _keras_logs(handle, _logs_to_dict(logs)))
        stop_if_asked()

    interval = callback_list.batch_interval("train")  # a crossing per batch only if asked
    begins = interval == 0 and callback_list.overrides("on_train_batch_begin", "on_batch_begin")
    schedule = model.optimizer.schedule
    streamed = isinstance(xs, BatchStream)
    steps = (xs.steps or -1) if streamed else -(-len(xs[0]) // batch_size)

    tensors_x = [] if streamed else [to_tensor(a) for a in xs]
    tensors_y = [] if streamed else [to_tensor(a) for a in ys]
    js_x, js_y = to_js(tensors_x), to_js(tensors_y)
    val_tensors = None
    if validation is not None and not isinstance(validation, BatchStream):
        val_tensors = ([to_tensor(a) for a in validation[0]], [to_tensor(a) for a in validation[1]])
    rng = random_state.generator()
    logs = {}
    try:
        callback_list.on_train_begin({})
        for epoch in range(initial_epoch, epochs):
            callback_list.on_epoch_begin(epoch, {})
            start = int(tfjs_model.optimizer.iterations)
            order, rates, proxies = None, None, []
            if streamed:
                # Python is called for each batch anyway: it sets the scheduled rate there.
                set_rate = None if schedule is None else (
                    lambda batch: _js_helpers().setRate(tfjs_model.optimizer, schedule(start + batch)))
                source = _python_batches(xs.epoch(rng if shuffle else None), set_rate)
                proxies.append(source)
            else:
                order = to_tensor(rng.permutation(len(xs[0])).astype(np.int32)) if shuffle else None
                rates = None if schedule is None else to_js([schedule(start + batch) for batch in range(steps)])
                source = _losses_metrics().arrayBatches(js_x, js_y, order, batch_size)
            hook_proxies = [create_proxy(batch_began) if begins else None,
                            create_proxy(batch_ended) if interval is not None else None]
            proxies += [proxy for proxy in hook_proxies if proxy is not None]
            hooks = _js_helpers().batchHooks(tfjs_model.optimizer, rates, *hook_proxies, (interval or 0) * 1000,
                                             steps, handle.compiled.batchMeans)
            try:
                promise = handle.compiled.fitEpoch(source, hooks)
                logs = _logs_to_dict((yield promise))  # the driver waits for the epoch
            finally:
                for proxy in proxies:
                    proxy.destroy()
                if order is not None:
                    order.dispose()
            if streamed and xs.exhausted:  # Keras stops when a generator ends before an epoch's steps
                break
            if validation is not None:  # Keras' evaluation: see _evaluate
                if val_tensors is not None:
                    val_source = _losses_metrics().arrayBatches(to_js(val_tensors[0]), to_js(val_tensors[1]), None,
                                                                batch_size)
                else:
                    val_source = _python_batches(validation.epoch())
                try:
                    val_logs = _evaluate(handle, val_source, callback_list, streamed=val_tensors is None)
                finally:
                    if val_tensors is None:
                        val_source.destroy()
                logs.update({"val_" + key: value for key, value in val_logs.items()})
            callback_list.on_epoch_end(epoch, logs)
            if model.stop_training or tfjs_model.stopTraining:
                break
        callback_list.on_train_end(logs)
    except JsException as error:
        raise _tfjs.js_error(error) from None
    finally:
        for tensor in tensors_x + tensors_y + (val_tensors[0] + val_tensors[1] if val_tensors else []):
            tensor.dispose()
        tfjs_model.stopTraining = False
    history.set_model(model)
    return history


def _logs_to_dict(logs) -> dict:
    if logs is None:
        return {}
    return {key: float(value) for key, value in logs.to_py().items()}


def _keras_logs(handle: TfjsModel, logs: dict) -> dict:
    """TF.js's batch logs by Keras' names (TF.js's own per-output losses, which are weighted, left out)."""
    return {handle.log_names[key]: value for key, value in logs.items() if key in handle.log_names}


def _drive_blocking(steps):
    # (A Python coroutine cannot be run with run_sync from inside the running program's own
    # asyncio task, so the blocking driver waits on the JS promises themselves.)
    try:
        promise = next(steps)
        while True:
            try:
                value = _tfjs.run_async_blocking(promise)
            except BaseException as error:  # noqa: BLE001 - handed back to the generator
                promise = steps.throw(error)
            else:
                promise = steps.send(value)
    except StopIteration as done:
        return done.value


async def _drive_async(steps):
    try:
        promise = next(steps)
        while True:
            try:
                value = await promise
            except BaseException as error:  # noqa: BLE001 - handed back to the generator
                promise = steps.throw(error)
            else:
                promise = steps.send(value)
    except StopIteration as done:
        return done.value


class _PendingFit:
    """`model.fit(...)` where Python cannot wait for TF.js: it must be awaited."""

    def __init__(self, coroutine):
        self._coroutine = coroutine

    def __await__(self):
        return self._coroutine.__await__()

    def __getattr__(self, name):
        raise RuntimeError("this browser cannot wait for training without `await` (no JSPI): "
                           "write `history = await model.fit(...)`")


def _python_batches(batches, before=None) -> JsProxy:
    """fitEpoch's and evaluate's next(batch) (pyapp/backend/_losses_metrics.js) over Python's
    checked batches (a BatchStream's epoch), each made into tensors when JS asks for it, so that
    one batch at a time is held; `before(batch)` runs first.

    A crossing per batch, which data that Python makes batch by batch needs anyway. TF.js's
    fitDataset would cross as often (its iterator calling Python) and would train with TF.js's
    own loop instead of fitEpoch, losing Keras' logs, stateful metrics and hooks there.
    """
    def next_batch(batch):
        if before is not None:
            before(int(batch))
        made = next(batches, None)
        if made is None:
            return None
        xs, ys = made
        return to_js([[to_tensor(a) for a in xs], [to_tensor(a) for a in ys]])

    return create_proxy(next_batch)


def evaluate(handle: TfjsModel, xs, ys, batch_size: int, callbacks, verbose) -> dict:
    """{"loss": ..., metric: ...} as Keras names them; the test hooks of `callbacks` as Keras
    calls them. (`verbose` acts through `callbacks`, which hold pyapp's progress bar.)
    `xs` is a list of arrays, or a BatchStream (then `ys` is None)."""
    if isinstance(xs, BatchStream):
        source = _python_batches(xs.epoch())
        try:
            return _evaluate(handle, source, callbacks, streamed=True)
        finally:
            source.destroy()
    arrays = [np.ascontiguousarray(a) for a in xs + ys]  # (kept alive, so their addresses stay theirs)
    specs = _tfjs.json_object([[a.dtype.name, list(a.shape[1:])] for a in arrays])
    take = _tfjs.array_helpers().batches(specs, to_js([_tfjs.address(a) for a in arrays]))
    return _evaluate(handle, _losses_metrics().rowBatches(take, len(xs), len(arrays[0]), batch_size), callbacks)


def _evaluate(handle: TfjsModel, source: JsProxy, callbacks, streamed: bool = False) -> dict:
    """Keras' evaluate in TF.js (pyapp/backend/_losses_metrics.js), not TF.js's, whose test
    function leaves out the layers' regularization losses, averages batch values where Keras
    keeps counts (AUC, precision...) and, with several outputs, returns running totals of the
    outputs' losses beside their names (tfjs-layers training.ts, makeTestFunction).
    The JS loop calls the test batch hooks only if a callback overrides them (a crossing
    into Python and a read of the metrics per batch), or, for batches that Python gives
    (`streamed`), if any callback wants them at all: Python is crossed per batch anyway."""
    proxies = []
    interval = callbacks.batch_interval("test")
    if interval == 0 or (streamed and interval is not None):
        proxies = [create_proxy(lambda batch: callbacks.on_test_batch_begin(int(batch), {})),
                   create_proxy(lambda batch, logs: callbacks.on_test_batch_end(int(batch), _logs_to_dict(logs)))]
    callbacks.on_test_begin({})
    try:
        logs = _logs_to_dict(handle.compiled.evaluate(source, *proxies))
    except JsException as error:
        raise _tfjs.js_error(error) from None
    finally:
        for proxy in proxies:
            proxy.destroy()
    callbacks.on_test_end(logs)
    return logs


def _batches(count: int, batch_size: int):
    """(index, slice) of each batch."""
    return enumerate(slice(start, start + batch_size) for start in range(0, count, batch_size))


def predict(handle: TfjsModel, xs, batch_size: int, callbacks, verbose) -> list[np.ndarray]:
    """The outputs; the predict hooks of `callbacks` (None: none) as Keras calls them (the
    batch hooks as `evaluate` does)."""
    predictor = _predictor(handle)
    streamed = isinstance(xs, BatchStream)
    if not callbacks and not streamed:  # no hook to call (verbose=0): a one-sample predict feels every microsecond
        return predictor(xs, batch_size)
    callbacks.on_predict_begin({})
    if streamed or callbacks.batch_interval("predict") == 0:
        if streamed:
            batches = (batch_xs for batch_xs, _ in xs.epoch())
        else:
            batches = ([a[part] for a in xs] for _, part in _batches(len(xs[0]), batch_size))
        parts = []
        for batch, inputs in enumerate(batches):
            callbacks.on_predict_batch_begin(batch, {})
            outputs = predictor(inputs, batch_size)
            callbacks.on_predict_batch_end(batch, {"outputs": outputs[0] if len(outputs) == 1 else outputs})
            parts.append(outputs)
        if not parts:
            raise ValueError("predict: the generator or PyDataset gave no batch")
        arrays = [np.concatenate(column) for column in zip(*parts)]
    else:
        arrays = predictor(xs, batch_size)
    callbacks.on_predict_end({})
    return arrays


# A model's predict in one crossing, for models whose shapes are all known but the batch's:
# Python passes the number of samples and the addresses of the inputs' numpy data and of
# numpy arrays it made for the outputs (_tfjs.address: numbers cross, not a proxy and a
# buffer per array). Each batch's tensors are made from views of the inputs, run through the
# model's graph (LayersModel.execute, what TF.js's predict runs per batch, in inference mode),
# and their outputs copied into their rows of the output arrays: one copy each way. TF.js's
# predict would also check the inputs again (Python has), slice each batch out of the whole
# input and concatenate the batches' outputs (a copy each, two kernels even for one batch).
_PREDICTOR = """
const prepare = (model) => {
  const sampleShape = (tensor) => tensor.shape.slice(1);
  const inputs = model.inputs.map((input) => [input.dtype, sampleShape(input)]);
  const outputs = model.outputs.map((output) => [output.dtype, sampleShape(output)]);
  if ([...inputs, ...outputs].some(([, shape]) => shape.includes(null))) return { outputs, predict: null };
  // A Sequential predicts with the LayersModel it wraps, made by its first predict or compile.
  if (model instanceof tf.Sequential && model.model == null) model.build();
  const graph = model instanceof tf.Sequential ? model.model : model;
  const names = graph.outputs.map((output) => output.name);
  const count = inputs.length;
  const predict = (batchSize, n, ...addresses) => {
    const batchOf = helpers.batches(inputs, addresses.slice(0, count));
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(start + batchSize, n);
      const predicted = tf.tidy(() => graph.execute(batchOf(start, end), names));
      try {
        outputs.forEach(([dtype, shape], i) =>
          helpers.rows(dtype, addresses[count + i], shape, start, end).set(helpers.values(predicted[i])));
      } finally {
        tf.dispose(predicted);
      }
    }
  };
  return { outputs, predict };
};
return prepare;
"""
_prepare_made = []


@dataclass
class _Predictor:
    """A TF.js model's predict: called with the input arrays and the batch size, it returns
    the output arrays. `prepared` is _PREDICTOR's function, None for a model with a dimension
    known only from the data (a sequence's length), which goes through to_tensor and to_numpy."""

    model: JsProxy
    prepared: JsProxy | None
    output_dtypes: list[np.dtype]
    output_shapes: list[tuple]

    def __call__(self, xs: list[np.ndarray], batch_size: int) -> list[np.ndarray]:
        if self.prepared is None:
            return _predict_once(self.model, xs, batch_size)
        count = len(xs[0])
        # (The arrays are kept alive, so their addresses stay theirs, until the call returns.)
        if len(xs) == 1 and len(self.output_shapes) == 1:
            # One input, one output: the same call without making and unpacking lists, which
            # was about 4 of a one-sample predict's 55 µs in the page (2026-12-02).
            x = np.ascontiguousarray(xs[0])
            output = np.empty((count, *self.output_shapes[0]), self.output_dtypes[0])
            self._run(batch_size, count, _tfjs.address(x), _tfjs.address(output))
            return [output]
        outputs = [np.empty((count, *shape), dtype) for shape, dtype in zip(self.output_shapes, self.output_dtypes)]
        xs = [np.ascontiguousarray(x) for x in xs]
        self._run(batch_size, count, *[_tfjs.address(a) for a in xs + outputs])
        return outputs

    def _run(self, batch_size: int, count: int, *addresses: int) -> None:
        try:
            self.prepared(batch_size, count, *addresses)
        except JsException as error:
            raise _tfjs.js_error(error) from None


def _predictor(handle: TfjsModel) -> _Predictor:
    if handle.predictor is None:
        if not _prepare_made:
            _prepare_made.append(js.Function.new("tf", "helpers", _PREDICTOR)(_tfjs.tf(), _tfjs.array_helpers()))
        made = _prepare_made[0](handle.model)
        outputs = made.outputs.to_py()
        handle.predictor = _Predictor(handle.model, made.predict, [np.dtype(dtype) for dtype, _ in outputs],
                                      [tuple(shape) for _, shape in outputs])
    return handle.predictor


def _predict_once(model: JsProxy, xs: list[np.ndarray], batch_size: int) -> list[np.ndarray]:
    """TF.js's predict through to_tensor and to_numpy (for shapes that only the data tells)."""
    tensors = [to_tensor(a) for a in xs]
    try:
        try:
            outputs = model.predict(_js_tensors(tensors), _tfjs.json_object({"batchSize": batch_size}))
        except JsException as error:
            raise _tfjs.js_error(error) from None
        outputs = [outputs] if hasattr(outputs, "dataSync") else list(outputs)
        arrays = [to_numpy(output) for output in outputs]
        for output in outputs:
            output.dispose()
    finally:
        for tensor in tensors:
            tensor.dispose()
    return arrays


# ---------------------------------------------------------------- the browser's storage


def unreachable_storage(url: str) -> str | None:
    """Why saving to `url` cannot work where Python runs here, or None."""
    needed = _tfjs.unreachable_storage(url)
    if not needed:
        return None
    instead = "indexeddb://" + url.split("://", 1)[1] if needed == "localStorage" else "a .keras file"
    return (f"there is no {needed} where Python runs here (a Web Worker outside the pyapp page); "
            f"save to {instead} instead")


def save_to_browser(handle: TfjsModel, url: str) -> None:
    _tfjs.save_to_browser(handle.model, url)


def load_from_browser(url: str) -> model_io.Model:
    """The description of a model in the browser's storage."""
    return _from_artifacts(*_tfjs.load_artifacts(url))


def load_from_app(url: str) -> model_io.Model:
    """The description of a TF.js model.json shipped with the app."""
    return _from_artifacts(*_tfjs.load_http_artifacts(url))


def _from_artifacts(topology, specs: list, data: bytes) -> model_io.Model:
    """TF.js's ModelArtifacts read directly (not through a `.keras` written and read back)."""
    from ..io._formats import _split_weights

    return model_io.model_from_artifacts(topology, _split_weights(specs, bytes(data)))
