"""Models, as in `keras.models`."""

from .model import Model
from .saving import delete_model, list_models, load_model, model_from_config, model_from_json
from .sequential import Sequential

__all__ = ["Model", "Sequential", "delete_model", "list_models", "load_model", "model_from_config", "model_from_json"]
