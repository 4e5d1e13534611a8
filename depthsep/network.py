"""The one layered-network type, and its three ways out: plain JSON, PyTorch, ONNX.

    N(x) = W_k σ(… σ(W_1 σ(W_0 x + b_0) + b_1) …) + b_k

``layers`` holds the affine maps (W_ℓ, b_ℓ) with W_ℓ of shape (out, in); σ acts after every layer but
the last. The paper model is the special case where every bias is zero. Weights are float64 — the
constructions divide by δ^d and would lose everything in float32 — and written to JSON with full
precision (``repr`` of a float round-trips exactly).

The JSON format (DESIGN.md, "Network JSON")::

    {"format": "depthsep.mlp/1", "activation": "tanh",
     "layers": [{"weight": [[...]], "bias": [...]}, ...],
     "meta": {"target": "x1*x2", "construction": "...", "neurons": 8, ...}}
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import DepthsepError


def _erf(z):
    from scipy.special import erf

    return erf(z)


FORMAT = "depthsep.mlp/1"

# σ in float64 numpy and its ONNX spelling. Every network depthsep writes uses one of these.
_NUMPY = {
    "tanh": np.tanh,
    "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)),  # stable for large |z|, unlike 1/(1+e^-z)
    "relu": lambda z: np.maximum(z, 0.0),
    "softplus": lambda z: np.logaddexp(0.0, z),
    "exp": np.exp,
    "silu": lambda z: z * 0.5 * (1.0 + np.tanh(0.5 * z)),
    "gelu": lambda z: 0.5 * z * (1.0 + _erf(z / np.sqrt(2.0))),
}
_ONNX_OP = {"tanh": "Tanh", "sigmoid": "Sigmoid", "relu": "Relu", "exp": "Exp"}  # the rest: see _onnx_activation
ACTIVATIONS = tuple(_NUMPY)


@dataclass
class Network:
    """An MLP with explicit float64 weights; see the module docstring for the convention."""

    layers: list[tuple[np.ndarray, np.ndarray]]
    activation: str
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.activation not in _NUMPY:
            raise DepthsepError(f"activation {self.activation!r} cannot be exported; known: {', '.join(ACTIVATIONS)}")
        if not self.layers:
            raise DepthsepError("a network needs at least one layer")
        checked = []
        for i, (weight, bias) in enumerate(self.layers):
            weight = np.asarray(weight, dtype=np.float64)
            bias = np.asarray(bias, dtype=np.float64)
            if weight.ndim != 2 or bias.shape != (weight.shape[0],):
                raise DepthsepError(f"layer {i}: weight must be (out, in) and bias (out,), got {weight.shape} and {bias.shape}")
            if i and weight.shape[1] != checked[-1][0].shape[0]:
                raise DepthsepError(f"layer {i}: takes {weight.shape[1]} inputs but layer {i - 1} gives {checked[-1][0].shape[0]}")
            if not (np.isfinite(weight).all() and np.isfinite(bias).all()):
                raise DepthsepError(f"layer {i}: weights must be finite")
            checked.append((weight, bias))
        self.layers = checked

    # -- shape ----------------------------------------------------------------------------------
    @property
    def n_inputs(self) -> int:
        return self.layers[0][0].shape[1]

    @property
    def n_outputs(self) -> int:
        return self.layers[-1][0].shape[0]

    @property
    def hidden_widths(self) -> list[int]:
        return [w.shape[0] for w, _ in self.layers[:-1]]

    @property
    def neurons(self) -> int:
        return sum(self.hidden_widths)

    @property
    def has_biases(self) -> bool:
        return any(np.any(b != 0) for _, b in self.layers)

    # -- evaluation -----------------------------------------------------------------------------
    def __call__(self, x) -> np.ndarray:
        """N at each row of x (shape (m, n)), in float64; a single output is returned as shape (m,)."""
        h = np.asarray(x, dtype=np.float64)
        if h.ndim != 2 or h.shape[1] != self.n_inputs:
            raise DepthsepError(f"inputs must have shape (m, {self.n_inputs}), got {h.shape}")
        sigma = _NUMPY[self.activation]
        for weight, bias in self.layers[:-1]:
            h = sigma(h @ weight.T + bias)
        weight, bias = self.layers[-1]
        out = h @ weight.T + bias
        return out[:, 0] if self.n_outputs == 1 else out

    def evaluate_mp(self, x, dps: int = 50) -> np.ndarray:
        """N at each row of x with mpmath at ``dps`` digits: for networks whose float64 evaluation
        loses the answer to cancellation (the outputs divide by δ^d). Slow: small batches only."""
        import mpmath

        functions = {
            "tanh": mpmath.tanh, "sigmoid": lambda z: 1 / (1 + mpmath.exp(-z)),
            "relu": lambda z: z if z > 0 else mpmath.mpf(0), "softplus": lambda z: mpmath.log1p(mpmath.exp(z)),
            "exp": mpmath.exp, "silu": lambda z: z / (1 + mpmath.exp(-z)), "gelu": lambda z: z * mpmath.ncdf(z),
        }
        sigma = functions[self.activation]
        points = np.asarray(x, dtype=np.float64)
        with mpmath.workdps(dps):
            layers = [(mpmath.matrix(w.tolist()), mpmath.matrix(b.tolist())) for w, b in self.layers]
            outputs = []
            for row in points:
                h = mpmath.matrix([mpmath.mpf(float(v)) for v in row])
                for i, (weight, bias) in enumerate(layers):
                    h = weight * h + bias
                    if i < len(layers) - 1:
                        h = mpmath.matrix([sigma(v) for v in h])
                outputs.append(float(h[0]))
        return np.array(outputs)

    # -- JSON -----------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "activation": self.activation,
            "layers": [{"weight": w.tolist(), "bias": b.tolist()} for w, b in self.layers],
            "meta": {**self.meta, "neurons": self.neurons, "hidden_widths": self.hidden_widths},
        }

    @classmethod
    def from_dict(cls, data) -> Network:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise DepthsepError(f"not a depthsep network: expected \"format\": \"{FORMAT}\"")
        try:
            layers = [(np.array(layer["weight"], dtype=np.float64), np.array(layer["bias"], dtype=np.float64)) for layer in data["layers"]]
            return cls(layers, str(data["activation"]), dict(data.get("meta") or {}))
        except (KeyError, TypeError, ValueError) as err:
            raise DepthsepError(f"malformed network JSON: {type(err).__name__}: {err}") from None

    # -- files ----------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        """Write by extension: .json (the network JSON), .onnx (ONNX, float64), .pt (TorchScript)."""
        path = Path(path)
        writers = {".json": self._save_json, ".onnx": self._save_onnx, ".pt": self._save_torch}
        if path.suffix not in writers:
            raise DepthsepError(f"output {path} must end in .json, .onnx or .pt")
        check_writable(path)
        try:
            writers[path.suffix](path)
        except OSError as err:
            raise DepthsepError(f"cannot write {path}: {err.strerror or err}") from None
        return path

    def _save_json(self, path: Path):
        text = json.dumps(self.to_dict(), allow_nan=False)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text)
        os.replace(tmp, path)  # never leave a half-written network behind

    def to_torch(self):
        """A float64 ``torch.nn.Sequential`` computing the same function."""
        import torch
        from torch import nn

        modules = []
        for i, (weight, bias) in enumerate(self.layers):
            linear = nn.Linear(weight.shape[1], weight.shape[0], dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(weight))
                linear.bias.copy_(torch.from_numpy(bias))
            modules.append(linear)
            if i < len(self.layers) - 1:
                modules.append(_torch_activation(self.activation))
        return nn.Sequential(*modules)

    def _save_torch(self, path: Path):
        import torch

        # TorchScript: loadable with torch.jit.load alone, without depthsep installed.
        module = torch.jit.script(self.to_torch())
        torch.jit.save(module, str(path))

    def to_onnx(self):
        """An ONNX model (opset 17, float64): input "x" of shape (batch, n), output "y" (batch, outputs)."""
        import onnx
        from onnx import TensorProto, helper, numpy_helper

        nodes, initializers, h = [], [], "x"
        for i, (weight, bias) in enumerate(self.layers):
            initializers += [numpy_helper.from_array(weight, f"W{i}"), numpy_helper.from_array(bias, f"b{i}")]
            out = "y" if i == len(self.layers) - 1 else f"z{i}"
            nodes.append(helper.make_node("Gemm", [h, f"W{i}", f"b{i}"], [out], transB=1))
            if i < len(self.layers) - 1:
                h = f"h{i}"
                nodes += _onnx_activation(self.activation, out, h)
        graph = helper.make_graph(
            nodes, "depthsep_network",
            [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["batch", self.n_inputs])],
            [helper.make_tensor_value_info("y", TensorProto.DOUBLE, ["batch", self.n_outputs])],
            initializers + _onnx_constants(self.activation),
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="depthsep")
        model.ir_version = 8  # readable by onnxruntime releases from 1.14 on
        for key, value in self.meta.items():
            helper.set_model_props(model, {**{p.key: p.value for p in model.metadata_props}, str(key): json.dumps(value)})
        onnx.checker.check_model(model)
        return model

    def _save_onnx(self, path: Path):
        import onnx

        if self.activation == "gelu":
            # The graph would be valid ONNX, but onnxruntime has no float64 Erf kernel, and a float32
            # Erf would wreck constructions that cancel terms of size 1/δ^d.
            raise DepthsepError("gelu networks cannot be exported to ONNX in float64 (no float64 Erf in onnxruntime); use .json or .pt")

        onnx.save(self.to_onnx(), str(path))


def _onnx_constants(name: str) -> list:
    from onnx import numpy_helper

    values = {"softplus": {"one": 1.0}, "gelu": {"one": 1.0, "half": 0.5, "inv_sqrt2": 2**-0.5}}.get(name, {})
    return [numpy_helper.from_array(np.array([v]), key) for key, v in values.items()]


def _onnx_activation(name: str, z: str, out: str) -> list:
    """ONNX nodes computing out = σ(z) in float64."""
    from onnx import helper

    n = lambda op, inputs, suffix: helper.make_node(op, inputs, [f"{out}_{suffix}"])  # noqa: E731
    if name in _ONNX_OP:
        return [helper.make_node(_ONNX_OP[name], [z], [out])]
    if name == "silu":
        return [n("Sigmoid", [z], "sig"), helper.make_node("Mul", [z, f"{out}_sig"], [out])]
    if name == "gelu":  # z Φ(z) = z (1 + erf(z / √2)) / 2
        return [
            n("Mul", [z, "inv_sqrt2"], "scaled"), n("Erf", [f"{out}_scaled"], "erf"), n("Add", [f"{out}_erf", "one"], "sum"),
            n("Mul", [z, f"{out}_sum"], "prod"), helper.make_node("Mul", [f"{out}_prod", "half"], [out]),
        ]
    # onnxruntime has no float64 Softplus kernel: write the stable form max(z, 0) + log(1 + e^-|z|).
    return [
        n("Relu", [z], "pos"), n("Abs", [z], "abs"), n("Neg", [f"{out}_abs"], "neg"),
        n("Exp", [f"{out}_neg"], "exp"), n("Add", [f"{out}_exp", "one"], "sum"), n("Log", [f"{out}_sum"], "log"),
        helper.make_node("Add", [f"{out}_pos", f"{out}_log"], [out]),
    ]


def _torch_activation(name: str):
    from torch import nn

    if name == "exp":
        from .torch_modules import Exp

        return Exp()
    if name == "softplus":
        # torch switches to the identity above `threshold` (default 20, an error of e^-20 ≈ 2e-9):
        # at 40 the switch costs less than float64's resolution.
        return nn.Softplus(threshold=40.0)
    return {"tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "relu": nn.ReLU, "silu": nn.SiLU, "gelu": nn.GELU}[name]()


def check_writable(path: Path) -> None:
    """Refuse an output path before doing any work: missing directory, not writable, a directory."""
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise DepthsepError(f"cannot write {path}: directory {parent} does not exist")
    if path.is_dir():
        raise DepthsepError(f"cannot write {path}: it is a directory")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise DepthsepError(f"cannot write {path}: permission denied")


def load_network(path: str | os.PathLike) -> Network:
    """Read a network JSON file; a missing or corrupt file is a one-line DepthsepError."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise DepthsepError(f"no such network file: {path}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise DepthsepError(f"cannot read {path}: {err}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise DepthsepError(f"{path} is not valid JSON (line {err.lineno}): {err.msg}") from None
    return Network.from_dict(data)
