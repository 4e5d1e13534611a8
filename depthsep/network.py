"""The one layered-network type, and its ways out: plain JSON, ONNX, a torch state file, a torch.export program.

    N(x) = W_k σ(… σ(W_1 σ(W_0 x + b_0) + b_1) …) + b_k

``layers`` holds the affine maps (W_ℓ, b_ℓ) with W_ℓ of shape (out, in); σ acts after every layer but
the last. The paper model is the special case where every bias is zero. σ is a registered activation
(:mod:`depthsep.activations`), named by its registry name.

**Precision.** A network states the floating-point type it is meant to run in: ``"float64"`` (the
default — the constructions divide by δ^d and need float64's 53 bits) or ``"float32"``. Its weights
are held in that type (a float32 network's weights are float32 numbers), it evaluates in it
(:meth:`Network.__call__`, :meth:`Network.to_torch`), and every export is written in it.
``dataclasses.replace(net, precision="float32")`` is the same network rounded to float32;
``net(x, dtype="float64")`` evaluates it in another precision without changing it.

**JSON** (the format other tools read: format depthsep.mlp/1); floats are written with ``repr``, which round-trips exactly::

    {"format": "depthsep.mlp/1", "activation": "tanh",
     "layers": [{"weight": [[...]], "bias": [...]}, ...],
     "meta": {"target": "x1*x2", "construction": "...", "neurons": 8, "precision": "float64", ...}}

**Files**, by suffix (:data:`SUFFIXES`); :func:`load_network` reads each back:

* ``.json`` — the JSON above.
* ``.onnx`` — opset 17, input ``x`` (batch, n), output ``y`` (batch, outputs), in the network's
  precision; σ as ONNX operators. onnxruntime lacks float64 kernels for some operators (Erf, so
  gelu, among them): such a network is refused in float64, in one line.
* ``.pt2`` — a ``torch.export`` program with a dynamic batch dimension, σ traced into the graph;
  needs neither depthsep nor any class of it::

      net = torch.export.load("net.pt2").module()
      y = net(x)                         # x: (batch, n) tensor in the network's dtype

* ``.pt`` — a plain dict of tensors and text that ``torch.load`` reads with its default
  ``weights_only=True``: ``format``, ``activation``, ``formula`` (σ in x), ``torch_module`` (the name
  of σ's ``torch.nn`` class and its keyword arguments, or None when torch.nn has none: exp and
  activations registered from a formula), ``precision``, ``layers`` (each ``{"weight", "bias"}``)
  and ``meta``. A torch user rebuilds it as ``nn.Sequential`` of ``nn.Linear`` and σ::

      import torch
      from torch import nn

      state = torch.load("net.pt")
      name, options = state["torch_module"]   # e.g. ["Softplus", {"threshold": 40.0}]
      modules = []
      for i, layer in enumerate(state["layers"]):
          weight, bias = layer["weight"], layer["bias"]
          linear = nn.Linear(weight.shape[1], weight.shape[0], dtype=weight.dtype)
          linear.load_state_dict({"weight": weight, "bias": bias})
          modules.append(linear)
          if i < len(state["layers"]) - 1:
              modules.append(getattr(nn, name)(**options))
      net = nn.Sequential(*modules)

  Where ``torch_module`` is None, write a module whose ``forward`` computes ``state["formula"]``
  (exp: ``torch.exp``) in place of ``getattr(nn, name)(**options)`` — or load the ``.pt2``.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .activations import REGISTERED, get_activation
from .checks import choice, writable_file
from .errors import DepthsepError

FORMAT = "depthsep.mlp/1"
SUFFIXES = (".json", ".onnx", ".pt", ".pt2")
PRECISIONS = ("float64", "float32")
ACTIVATIONS = REGISTERED  # the activations a network may use (a live view of the registry)
ONNX_OPSET = 17

# Operators onnxruntime (1.23, CPU) runs in float32 but not in float64: the graph would be valid
# ONNX that the reference runtime refuses to load.
_ONNX_FLOAT32_ONLY = frozenset({"Erf", "Softplus", "HardSigmoid", "Elu", "Tan", "Atan", "Asin", "Acos",
                                "Sinh", "Cosh", "Asinh", "Acosh", "Atanh"})


def check_precision(precision, name: str = "precision") -> str:
    """``precision`` if it is one of :data:`PRECISIONS` (a numpy dtype of one is accepted too)."""
    if not isinstance(precision, str):
        try:
            precision = np.dtype(precision).name
        except TypeError:
            pass
    return choice(precision, name, PRECISIONS)


@dataclass
class Network:
    """An MLP with explicit weights in ``precision``; see the module docstring for the conventions."""

    layers: list[tuple[np.ndarray, np.ndarray]]
    activation: str
    meta: dict = field(default_factory=dict)
    precision: str = "float64"

    def __post_init__(self):
        self.activation = get_activation(self.activation).check_network().name
        self.precision = check_precision(self.precision)
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
            with np.errstate(over="ignore"):  # a float64 weight beyond float32's range becomes inf: refused below
                weight, bias = weight.astype(self.dtype), bias.astype(self.dtype)
            if not (np.isfinite(weight).all() and np.isfinite(bias).all()):
                raise DepthsepError(f"layer {i}: weights must be finite in {self.precision}")
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

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype of :attr:`precision`."""
        return np.dtype(self.precision)

    # -- evaluation -----------------------------------------------------------------------------
    def __call__(self, x, dtype=None) -> np.ndarray:
        """N at each row of x (shape (m, n)), computed in ``dtype`` (default: the network's precision)
        and returned in it; a single output is returned as shape (m,)."""
        dtype = self.dtype if dtype is None else np.dtype(check_precision(dtype, "dtype"))
        h = np.asarray(x, dtype=dtype)
        if h.ndim != 2 or h.shape[1] != self.n_inputs:
            raise DepthsepError(f"inputs must have shape (m, {self.n_inputs}), got {h.shape}")
        sigma = get_activation(self.activation).numpy_fn
        for weight, bias in self.layers[:-1]:
            h = sigma(h @ weight.T.astype(dtype, copy=False) + bias.astype(dtype, copy=False))
        weight, bias = self.layers[-1]
        out = h @ weight.T.astype(dtype, copy=False) + bias.astype(dtype, copy=False)
        return out[:, 0] if self.n_outputs == 1 else out

    def evaluate_mp(self, x, dps: int = 50) -> np.ndarray:
        """N at each row of x with mpmath at ``dps`` digits (weights and inputs read exactly): for
        networks whose floating-point evaluation loses the answer to cancellation (the outputs
        divide by δ^d). Slow: small batches only. First output, as float64."""
        import mpmath

        sigma = get_activation(self.activation).mpmath_fn
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
            "meta": self._meta(),
        }

    def _meta(self) -> dict:
        return {**self.meta, "neurons": self.neurons, "hidden_widths": self.hidden_widths, "precision": self.precision}

    @classmethod
    def from_dict(cls, data) -> Network:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise DepthsepError(f"not a depthsep network: expected \"format\": \"{FORMAT}\"")
        try:
            layers = [(np.array(layer["weight"], dtype=np.float64), np.array(layer["bias"], dtype=np.float64)) for layer in data["layers"]]
            meta = dict(data.get("meta") or {})
            return cls(layers, str(data["activation"]), meta, meta.get("precision", "float64"))
        except (KeyError, TypeError, ValueError) as err:
            raise DepthsepError(f"malformed network JSON: {type(err).__name__}: {err}") from None

    # -- torch ----------------------------------------------------------------------------------
    def to_torch(self):
        """A ``torch.nn.Sequential`` of ``nn.Linear`` and σ's module computing N, in the network's precision."""
        import torch
        from torch import nn

        activation = get_activation(self.activation)
        dtype = getattr(torch, self.precision)
        modules = []
        for i, (weight, bias) in enumerate(self.layers):
            linear = nn.Linear(weight.shape[1], weight.shape[0], dtype=dtype)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(weight))
                linear.bias.copy_(torch.from_numpy(bias))
            modules.append(linear)
            if i < len(self.layers) - 1:
                modules.append(activation.module())
        return nn.Sequential(*modules)

    def _save_pt(self, path: Path):
        import torch

        activation = get_activation(self.activation)
        module = activation.nn_module
        torch.save({
            "format": FORMAT, "activation": self.activation, "formula": activation.formula,
            "torch_module": None if module is None else list(module), "precision": self.precision,
            "layers": [{"weight": torch.from_numpy(w.copy()), "bias": torch.from_numpy(b.copy())} for w, b in self.layers],
            "meta": _plain(self._meta()),
        }, path)

    def _save_pt2(self, path: Path):
        import torch

        example = torch.zeros(2, self.n_inputs, dtype=getattr(torch, self.precision))
        program = torch.export.export(self.to_torch(), (example,), dynamic_shapes=({0: torch.export.Dim("batch")},))
        header = {"format": FORMAT, "activation": self.activation, "meta": _plain(self._meta())}
        torch.export.save(program, path, extra_files={_PT2_HEADER: json.dumps(header)})

    # -- ONNX -----------------------------------------------------------------------------------
    def to_onnx(self):
        """An ONNX model in the network's precision: input "x" of shape (batch, n), output "y" (batch, outputs)."""
        import onnx
        from onnx import helper, numpy_helper

        graph = _OnnxGraph(self.activation, self.precision)
        activation = get_activation(self.activation)
        h = "x"
        for i, (weight, bias) in enumerate(self.layers):
            graph.initializers += [(f"W{i}", weight), (f"b{i}", bias)]
            last = i == len(self.layers) - 1
            z = graph.op("Gemm", h, f"W{i}", f"b{i}", output="y" if last else None, transB=1)
            h = z if last else activation.onnx(graph, z)
        elem = helper.np_dtype_to_tensor_dtype(self.dtype)
        model = helper.make_model(
            helper.make_graph(
                [helper.make_node(op, inputs, [out], **attrs) for op, inputs, out, attrs in graph.nodes],
                "depthsep_network",
                [helper.make_tensor_value_info("x", elem, ["batch", self.n_inputs])],
                [helper.make_tensor_value_info("y", elem, ["batch", self.n_outputs])],
                [numpy_helper.from_array(np.asarray(value, dtype=self.dtype), name) for name, value in graph.initializers],
            ),
            opset_imports=[helper.make_opsetid("", ONNX_OPSET)], producer_name="depthsep",
        )
        model.ir_version = 8  # readable by onnxruntime releases from 1.14 on
        props = {"format": FORMAT, "activation": self.activation, "meta": json.dumps(_plain(self._meta()))}
        helper.set_model_props(model, props)
        onnx.checker.check_model(model)
        return model

    def _save_onnx(self, path: Path):
        import onnx

        onnx.save(self.to_onnx(), str(path))

    # -- files ----------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        """Write by suffix (:data:`SUFFIXES`, see the module docstring); the file appears whole or not at all."""
        path = check_output(path, self.activation, self.precision, name="output")
        writer = {".json": self._save_json, ".onnx": self._save_onnx, ".pt": self._save_pt, ".pt2": self._save_pt2}[path.suffix]
        tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")  # torch.export insists on the .pt2 suffix
        try:
            writer(tmp)
            os.replace(tmp, path)  # never leave a half-written network behind
        except OSError as err:
            raise DepthsepError(f"cannot write {path}: {err.strerror or err}") from None
        finally:
            tmp.unlink(missing_ok=True)
        return path

    def _save_json(self, path: Path):
        path.write_text(json.dumps(self.to_dict(), allow_nan=False))


_PT2_HEADER = "depthsep.json"  # the extra file of a .pt2 holding activation and meta


def _plain(value):
    """``value`` as JSON types only (numpy scalars become Python numbers): what torch.load's
    weights_only mode and ONNX metadata accept."""
    return json.loads(json.dumps(value, default=lambda v: v.item() if hasattr(v, "item") else str(v)))


class _OnnxGraph:
    """The builder an activation's ONNX form writes into (see ``Activation.onnx``): ``op`` adds a
    node and returns its output's name, ``constant`` a scalar in the graph's precision."""

    def __init__(self, activation: str, precision: str):
        self.activation, self.precision = activation, precision
        self.nodes: list[tuple[str, list[str], str, dict]] = []
        self.initializers: list[tuple[str, object]] = []
        self._constants: dict[float, str] = {}

    def op(self, op_type: str, *inputs: str, output: str | None = None, **attributes) -> str:
        if self.precision == "float64" and op_type in _ONNX_FLOAT32_ONLY:
            raise DepthsepError(f"{self.activation} networks cannot be written as ONNX in float64: onnxruntime has no "
                                f"float64 {op_type}; use {', '.join(s for s in SUFFIXES if s != '.onnx')} or precision float32")
        output = output or f"t{len(self.nodes)}"
        self.nodes.append((op_type, list(inputs), output, attributes))
        return output

    def constant(self, value: float) -> str:
        if value not in self._constants:
            self._constants[value] = f"c{len(self._constants)}"
            self.initializers.append((self._constants[value], np.array([value])))
        return self._constants[value]


def check_output(path, activation: str | None = None, precision: str = "float64", name: str = "--out") -> Path:
    """Refuse a network output path before any work: a suffix outside :data:`SUFFIXES`, a path that
    cannot be written, or (given the activation) a format that cannot hold σ in ``precision``."""
    path = writable_file(path, name)
    if path.suffix not in SUFFIXES:
        raise DepthsepError(f"{name} {path} must end in {', '.join(SUFFIXES)}")
    if activation is not None and path.suffix == ".onnx":
        get_activation(activation).check_network().onnx(_OnnxGraph(get_activation(activation).name,
                                                                   check_precision(precision)), "z")
    return path


def load_network(path: str | os.PathLike) -> Network:
    """Read a network written by :meth:`Network.save` (any of :data:`SUFFIXES`); a missing, corrupt or
    foreign file is a one-line DepthsepError."""
    path = Path(path)
    if path.suffix not in SUFFIXES:
        raise DepthsepError(f"cannot read {path}: a network file ends in {', '.join(SUFFIXES)}")
    if not path.is_file():
        raise DepthsepError(f"no such network file: {path}")
    reader = {".json": _load_json, ".onnx": _load_onnx, ".pt": _load_pt, ".pt2": _load_pt2}[path.suffix]
    try:
        return reader(path)
    except DepthsepError as err:
        raise DepthsepError(f"{path}: {err}") from None
    except Exception as err:  # noqa: BLE001 — the parsers of onnx, torch and zip raise their own types
        what = {".json": "a JSON file", ".onnx": "an ONNX model", ".pt": "a torch.load file of plain tensors",
                ".pt2": "a torch.export program"}[path.suffix]
        raise DepthsepError(f"cannot read {path}: not {what} ({type(err).__name__})") from None


def _load_json(path: Path) -> Network:
    try:
        data = json.loads(path.read_text())
    except UnicodeDecodeError:
        raise DepthsepError("not a text file") from None
    except json.JSONDecodeError as err:
        raise DepthsepError(f"not valid JSON (line {err.lineno}): {err.msg}") from None
    return Network.from_dict(data)


def _from_parts(header: dict, arrays: list[np.ndarray]) -> Network:
    """A network from a file's header (format, activation, meta) and its arrays W0, b0, W1, b1, …"""
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise DepthsepError(f"not a depthsep network: expected format \"{FORMAT}\"")
    if len(arrays) % 2 or not arrays:
        raise DepthsepError("not a depthsep network: weights and biases do not pair up")
    meta = dict(header.get("meta") or {})
    layers = list(zip(arrays[0::2], arrays[1::2]))
    return Network(layers, str(header["activation"]), meta, meta.get("precision", "float64"))


def _load_onnx(path: Path) -> Network:
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    props = {p.key: p.value for p in model.metadata_props}
    header = {"format": props.get("format"), "activation": props.get("activation"), "meta": json.loads(props.get("meta", "{}"))}
    found = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    arrays = []
    for i in range(len(found)):
        if f"W{i}" not in found:
            break
        arrays += [found[f"W{i}"], found[f"b{i}"]]
    return _from_parts(header, arrays)


def _load_pt(path: Path) -> Network:
    import torch

    state = torch.load(path, weights_only=True)  # plain data only: nothing in the file is executed
    if not isinstance(state, dict):
        raise DepthsepError(f"not a depthsep network: expected format \"{FORMAT}\"")
    arrays = [t.numpy() for layer in state.get("layers", []) for t in (layer["weight"], layer["bias"])]
    return _from_parts(state, arrays)


def _load_pt2(path: Path) -> Network:
    import torch

    extra = {_PT2_HEADER: ""}
    # torch.export logs a multi-line warning before it raises on a file it cannot read; the caller
    # turns the exception into one line, so the log is held back for the call.
    export_log = logging.getLogger("torch.export")
    level, export_log.level = export_log.level, logging.ERROR
    try:
        program = torch.export.load(path, extra_files=extra)
    finally:
        export_log.setLevel(level)
    header = json.loads(extra[_PT2_HEADER] or "{}")
    state = program.state_dict
    # nn.Sequential names its parameters "<index>.weight"/"<index>.bias": the Linear layers in order.
    indices = sorted({int(key.split(".")[0]) for key in state})
    arrays = [state[f"{i}.{part}"].detach().numpy() for i in indices for part in ("weight", "bias")]
    return _from_parts(header, arrays)


