"""`compile`'s loss, loss_weights and metrics, read as Keras 3 reads them, per output.

>>> spec = compile_spec(["cls", "reg"], loss={"cls": "binary_crossentropy", "reg": "mse"},
...                     loss_weights=[1.0, 0.5], metrics={"cls": ["accuracy"]})
>>> spec.log_names()
['loss', 'cls_loss', 'reg_loss', 'cls_accuracy']
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import losses as losses_module, metrics as metrics_module

__all__ = ["CompileSpec", "compile_spec"]


@dataclass
class CompileSpec:
    """One loss, its weight and a list of metrics for each output, in the outputs' order."""

    outputs: list[str]
    losses: list[losses_module.Loss]
    loss_weights: list[float]
    metrics: list[list[metrics_module.Metric]]

    def log_names(self) -> list[str]:
        """History's keys (without `val_`) in Keras' order: the loss, each output's loss
        when there are several outputs, then each output's metrics."""
        several = len(self.outputs) > 1
        prefix = [f"{name}_" if several else "" for name in self.outputs]
        per_output_losses = [f"{name}_loss" for name in self.outputs] if several else []
        return ["loss", *per_output_losses,
                *(prefix[i] + metric.name for i, metrics in enumerate(self.metrics) for metric in metrics)]

    def for_page(self) -> dict:
        """What the page's compile (pyapp/backend/_losses_metrics.js) takes."""
        return {"outputs": self.outputs, "weights": self.loss_weights,
                "losses": [{"fn": loss.fn, "args": loss.fn_args()} for loss in self.losses],
                "metrics": [[{"fn": m.fn, "args": m.fn_args(), "name": m.name} for m in metrics]
                            for metrics in self.metrics]}


def compile_spec(outputs: list[str], loss, loss_weights=None, metrics=None) -> CompileSpec:
    """The per-output reading of compile's arguments for a model with these output names.

    Args:
        outputs: the output layers' names.
        loss: one loss for every output, a list (one per output) or a dict by output name.
        loss_weights: None (all 1), a number (one output), a list or a dict by output name.
        metrics: None, a list (one output), or, with several outputs, a list with an entry
            per output (a metric, a list of metrics or None) or a dict by output name.
    """
    if loss is None:
        raise ValueError("compile() needs a loss, e.g. loss='mean_squared_error'")
    losses = [losses_module.get(item) for item in _per_output(outputs, loss, "loss", complete=True)]
    weights = [1.0] * len(outputs) if loss_weights is None else _weights(outputs, loss_weights)
    return CompileSpec(list(outputs), losses, weights, _metrics(outputs, metrics))


def _per_output(outputs: list[str], value, argument: str, complete: bool) -> list:
    """`value` as a list with one entry per output (None where a dict leaves one out)."""
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(outputs))
        missing = [name for name in outputs if name not in value]
        if unknown or (complete and missing):
            raise ValueError(f"Expected keys {outputs} in {argument} dict, but found {argument}.keys()="
                             f"{list(value)} (a dict is keyed by the model's output names)")
        return [value.get(name) for name in outputs]
    if isinstance(value, (list, tuple)):
        if len(value) != len(outputs):
            raise ValueError(f"{argument}: a list needs one entry per output ({len(outputs)}: {outputs}), "
                             f"got {len(value)}")
        return list(value)
    return [value] * len(outputs)


def _weights(outputs: list[str], loss_weights) -> list[float]:
    if isinstance(loss_weights, (int, float)) and not isinstance(loss_weights, bool) and len(outputs) > 1:
        raise ValueError(f"loss_weights: a model with several outputs takes a list or a dict of weights "
                         f"(one per output: {outputs}), got {loss_weights!r}")
    weights = _per_output(outputs, loss_weights, "loss_weights", complete=True)
    for weight in weights:
        if isinstance(weight, bool) or not isinstance(weight, (int, float)):
            raise TypeError(f"loss_weights: each weight must be a number, got {weight!r}")
    return [float(weight) for weight in weights]


def _metrics(outputs: list[str], metrics) -> list[list[metrics_module.Metric]]:
    if metrics is None:
        return [[] for _ in outputs]
    if not isinstance(metrics, (list, tuple, dict)):
        raise ValueError(f"metrics must be a list or a dict, got {metrics!r}")
    if len(outputs) == 1 and not isinstance(metrics, dict):
        entries = [list(metrics)]
    else:
        entries = _per_output(outputs, metrics, "metrics", complete=False)
    per_output = []
    for entry in entries:
        items = [] if entry is None else list(entry) if isinstance(entry, (list, tuple)) else [entry]
        chosen = [metrics_module.get(item) for item in items]
        _unique_names(chosen)
        per_output.append(chosen)
    return per_output


def _unique_names(metrics: list[metrics_module.Metric]) -> None:
    """The same name twice becomes name, name_1, ... as in Keras (History keys must differ)."""
    seen: dict[str, int] = {}
    for metric in metrics:
        if metric.name in seen:
            seen[metric.name] += 1
            metric.name = f"{metric.name}_{seen[metric.name]}"
        else:
            seen[metric.name] = 0
