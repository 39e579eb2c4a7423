"""Training on several devices: Keras 3's distribution API, natively.

    import pyapp
    devices = pyapp.distribution.list_devices()          # e.g. ['cpu:0', 'cpu:1'] or 8 GPUs
    pyapp.distribution.set_distribution(pyapp.distribution.DataParallel(devices=devices))
    model = pyapp.Sequential([...])
    model.compile(...)
    model.fit(x, y, epochs=10)                           # each batch split across the devices
    model.save("trained.keras")                           # then load it in the page

Under CPython these are Keras 3's own (`keras.distribution`, on the JAX backend): the same
script trains data-parallel on every local GPU, or, after `initialize()`, on a multi-host
JAX cluster, and ships its `.keras` file to the page. In the page TF.js runs on the one
device the browser has, and each of these raises an error that says so. Set the
distribution before the model is first used: Keras places a model's weights when it is
built.
"""

from __future__ import annotations

from . import backend

__all__ = ["DataParallel", "DeviceMesh", "LayoutMap", "ModelParallel", "distribution", "initialize", "list_devices",
           "set_distribution"]


def _keras_distribution():
    if backend.engine_name() != "keras":
        raise RuntimeError("pyapp.distribution is native-only: in the page, TensorFlow.js runs on this one device. "
                           "Train on several devices under CPython with Keras 3 (JAX), save a .keras file, and load "
                           "it here with pyapp.models.load_model")
    backend.engine()  # Keras, with its backend chosen as the engine chooses it
    import keras

    return keras.distribution


def list_devices(device_type: str | None = None) -> list[str]:
    """The devices Keras can use here ("cpu", "gpu" or "tpu"; by default the best kind)."""
    return _keras_distribution().list_devices(device_type)


def initialize(job_addresses: str | None = None, num_processes: int | None = None, process_id: int | None = None):
    """Joins a multi-host JAX cluster (Keras' `initialize`); call it first on every host."""
    return _keras_distribution().initialize(job_addresses, num_processes, process_id)


def DeviceMesh(shape, axis_names, devices=None):  # noqa: N802 - Keras' class name
    """A grid of devices with named axes, for ModelParallel's layouts."""
    return _keras_distribution().DeviceMesh(shape, axis_names, devices)


def LayoutMap(device_mesh):  # noqa: N802
    """How each weight (by a regex of its path) is split over a DeviceMesh."""
    return _keras_distribution().LayoutMap(device_mesh)


def DataParallel(device_mesh=None, devices=None, auto_shard_dataset: bool = True):  # noqa: N802
    """Every device holds all the weights; each batch is split across the devices."""
    return _keras_distribution().DataParallel(device_mesh=device_mesh, devices=devices,
                                              auto_shard_dataset=auto_shard_dataset)


def ModelParallel(*, layout_map=None, batch_dim_name=None, **kwargs):  # noqa: N802
    """Weights split across devices as a LayoutMap says, the batch along `batch_dim_name`."""
    return _keras_distribution().ModelParallel(layout_map=layout_map, batch_dim_name=batch_dim_name, **kwargs)


def set_distribution(value) -> None:
    """Makes `value` (DataParallel, ModelParallel, or None) the distribution of the models
    built from now on."""
    _keras_distribution().set_distribution(value)


def distribution():
    """The distribution in use, or None."""
    return _keras_distribution().distribution()
