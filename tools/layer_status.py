"""The README's table of Keras 3 layers and their status in pyapp, made from the three
places that know: Keras 3's own `keras.layers`, TF.js 4.22's registered layer classes
(asked of Node, from node_modules), and pyapp's layer table (`pyapp.layers.TABLE`) with
the layers it refuses and why (`pyapp.layers.REFUSED`).

    python3 tools/layer_status.py           # print the table
    python3 tools/layer_status.py --write   # put it into README.md between its markers

tests/unit/test_layer_status.py fails when the README's table is not what this makes.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
START, END = "<!-- layer-status:start -->", "<!-- layer-status:end -->"
# Keras' bases for layers of its own making, not layers to use.
ABSTRACT = {"Layer", "Wrapper", "InputSpec"}


def keras_layers() -> list[str]:
    """Keras 3's layer classes, each once (aliases such as AvgPool2D fold into their class)."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    classes = {cls for cls in vars(keras.layers).values()
               if inspect.isclass(cls) and issubclass(cls, keras.layers.Layer)}
    return sorted({cls.__name__ for cls in classes} - ABSTRACT)


def tfjs_layers() -> set[str]:
    """The layer classes TF.js registers for (de)serialisation (it registers its
    initializers, optimizers and the like there too: only subclasses of its Layer count)."""
    script = ("const tf = require('@tensorflow/tfjs');"
              "const known = tf.serialization.SerializationMap.getMap().classNameMap;"
              "const layers = Object.keys(known).filter((name) => known[name][0].prototype instanceof tf.layers.Layer);"
              "console.log(JSON.stringify(layers));")
    out = subprocess.run(["node", "-e", script], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return set(json.loads(out))


def table() -> str:
    sys.path.insert(0, str(ROOT))
    from pyapp.layers import REFUSED, TABLE

    groups: dict[str, list[str]] = {"built": [], "refused": [], "not yet": [], "no TF.js": []}
    in_tfjs = tfjs_layers()
    for name in keras_layers():
        if name in TABLE:
            groups["built"].append(name)
        elif name in REFUSED:
            groups["refused"].append(name)
        elif name in in_tfjs:
            groups["not yet"].append(name)
        else:
            groups["no TF.js"].append(name)
    names = lambda group: ", ".join(groups[group]) or "none"  # noqa: E731
    lines = [
        f"| status | Keras 3 layers ({sum(map(len, groups.values()))}) |",
        "|---|---|",
        f"| in the page and natively ({len(groups['built'])}) | {names('built')} |",
        f"| refused, with the reason below ({len(groups['refused'])}) | {names('refused')} |",
        f"| not yet: TF.js 4.22 has it ({len(groups['not yet'])}) | {names('not yet')} |",
        f"| not in TF.js 4.22's Layers API ({len(groups['no TF.js'])}) | {names('no TF.js')} |",
        "",
        "| refused | why |",
        "|---|---|",
        *(f"| {name} | {REFUSED[name]} |" for name in sorted(REFUSED)),
    ]
    return "\n".join(lines)


def readme_with(text: str) -> str:
    readme = README.read_text()
    start, end = readme.index(START) + len(START), readme.index(END)
    return readme[:start] + "\n" + text + "\n" + readme[end:]


def readme_table() -> str:
    readme = README.read_text()
    return readme[readme.index(START) + len(START):readme.index(END)].strip("\n")


if __name__ == "__main__":
    made = table()
    if "--write" in sys.argv[1:]:
        README.write_text(readme_with(made))
    else:
        print(made)
