"""deepderive's numbers: the PyTorch twin of the symbolic networks, its losses and training.

Never imports SymPy (only the plain-Python :mod:`symbolic.spec`).
"""

from .activations import torch_activation
from .model import DeepNetworkModule, resolve_device
from .params import load_params, params_from_json, params_to_json, save_params

__all__ = [
    "DeepNetworkModule",
    "load_params",
    "params_from_json",
    "params_to_json",
    "resolve_device",
    "save_params",
    "torch_activation",
]
