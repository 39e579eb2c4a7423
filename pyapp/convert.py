"""Convert models between Keras 3 and TensorFlow.js.

    python3 -m pyapp.convert model.keras out_dir/          # -> out_dir/model.json + weight shards
    python3 -m pyapp.convert out_dir/model.json model.keras

The TF.js side is the layers format that `tf.loadLayersModel` (and pyapp's `load_model`)
read. Unsupported layers or configs, and weights that do not fit, are errors.
"""

from __future__ import annotations

import argparse
import os
import sys

from pyapp import io as model_io


def convert(source: str, target: str) -> str:
    """Convert by the file names; returns what was written."""
    if source.endswith(".keras"):
        model_json, files = model_io.keras_to_tfjs(source)
        if target.endswith(".json"):
            folder = os.path.dirname(target) or "."
        else:
            folder = target
        path = model_io.save_tfjs(model_json, files, folder)
        if target.endswith(".json") and os.path.abspath(path) != os.path.abspath(target):
            os.replace(path, target)
            path = target
        return path
    if source.endswith(".json"):
        if not target.endswith(".keras"):
            raise model_io.ConversionError(f"the target of a TF.js model must be a .keras file, got {target!r}")
        data = model_io.tfjs_to_keras(source)
        tmp = target + ".tmp"
        with open(tmp, "wb") as stream:
            stream.write(data)
        os.replace(tmp, target)
        return target
    raise model_io.ConversionError(f"{source!r}: expected a .keras file or a TF.js model.json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m pyapp.convert", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", help="model.keras, or a TF.js model.json")
    parser.add_argument("target", help="a folder (for model.json and its weights), or model.keras")
    args = parser.parse_args(argv)
    try:
        written = convert(args.source, args.target)
    except (model_io.ConversionError, OSError) as error:
        print(f"pyapp.convert: error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {written}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
