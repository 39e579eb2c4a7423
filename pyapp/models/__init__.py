"""Models, as in `keras.models`."""

from .model import Model
from .saving import clone_model, delete_model, list_models, load_model, model_from_config, model_from_json
from .sequential import Sequential

__all__ = ["Model", "Sequential", "clone_model", "delete_model", "list_models", "load_model", "model_from_config",
           "model_from_json"]
