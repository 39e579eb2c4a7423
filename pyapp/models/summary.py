"""`model.summary()`: the layers, their output shapes and parameter counts, as Keras prints them."""

from __future__ import annotations

import math


def _size(params: int) -> str:
    size = params * 4.0
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024
    return ""


def _non_trainable(layer) -> int:
    """Parameters that gradients do not train: all of a frozen layer's, else its statistics."""
    if not layer.trainable:
        return layer.count_params()
    fixed = layer.non_trainable_weight_names()
    return sum(math.prod(shape) for name, shape in layer.weight_specs(layer.input_shape) if name in fixed)


def format_summary(model, width: int = 80) -> str:
    functional = type(model).__name__ != "Sequential"
    rows = []
    for layer in model.layers:
        shape = str(tuple(layer.output_shape)).replace(",)", ")") if layer.output_shape is not None else "?"
        row = [f"{layer.name} ({type(layer).__name__})", shape, f"{layer.count_params():,}"]
        if functional:
            parents = sorted({p.layer.name for node in model._nodes() if node.layer is layer for p in node.inputs})
            row.append(", ".join(parents) or "-")
        rows.append(row)
    headers = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if functional else [])
    widths = [max(len(h), *(len(r[i]) for r in rows)) + 2 for i, h in enumerate(headers)] if rows else [len(h) + 2 for h in headers]

    def line(cells, left, middle, right, align_right=(2,)):
        parts = [(f" {c.rjust(w - 2)} " if i in align_right else f" {c.ljust(w - 2)} ") for i, (c, w) in enumerate(zip(cells, widths))]
        return left + middle.join(parts) + right

    def rule(left, middle, right, fill):
        return left + middle.join(fill * w for w in widths) + right

    total = model.count_params()
    non_trainable = sum(_non_trainable(layer) for layer in model.layers)
    out = [f'Model: "{model.name}"', rule("┏", "┳", "┓", "━"), line(headers, "┃", "┃", "┃", align_right=()),
           rule("┡", "╇", "┩", "━")]
    out += [line(row, "│", "│", "│") for row in rows]
    out.append(rule("└", "┴", "┘", "─"))
    out.append(f" Total params: {total:,} ({_size(total)})")
    out.append(f" Trainable params: {total - non_trainable:,} ({_size(total - non_trainable)})")
    out.append(f" Non-trainable params: {non_trainable:,} ({_size(non_trainable)})")
    return "\n".join(out)
