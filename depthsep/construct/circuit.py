"""Gates in layers, compiled to one dense network.

A construction is written as a :class:`Circuit`: hidden layer ℓ holds gates, each gate reads a few
*values* of layer ℓ−1 (layer 0's values are the inputs x) and outputs one value of layer ℓ as a
linear readout of its own neurons::

    value = constant + Σ_j readout_j · σ(bias_j + Σ_i weights_ji · input_i)

Compiling (:meth:`Circuit.compile`) substitutes each value into the next layer's pre-activations,
which turns the readouts into the dense weight matrices of an MLP. Two things happen on the way:

* **constants** — a readout's constant becomes the next layer's bias in the bias model. The paper
  model has no biases, so there a constant c is carried by a neuron σ(0) with zero input weights
  and readout c/σ(0): the "constants come from neurons σ(0)" of the paper.
* **sharing** — neurons of one layer with identical rows (weights and bias) compute the same number,
  so they are merged and their outgoing weights added: one σ(0) per layer however many gates need
  it, and one neuron for a weight vector that several monomials use (Thm 4.1(i) side by side).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import DepthsepError
from ..network import Network


@dataclass
class Gate:
    """One block of neurons with one output value; see the module docstring for the formula."""

    kind: str
    inputs: tuple[int, ...]
    weights: np.ndarray  # (neurons, len(inputs))
    biases: np.ndarray  # (neurons,)
    readout: np.ndarray  # (neurons,)
    constant: float = 0.0
    bound: float = 1.0  # an upper bound on |value| over the domain, used to scale the next gate

    @property
    def neurons(self) -> int:
        return len(self.readout)


@dataclass
class Circuit:
    """Layers of gates, an output that is a linear combination of the last layer's values."""

    n_inputs: int
    activation: str
    sigma0: float  # σ(0), needed by the paper model to carry constants
    layers: list[list[Gate]] = field(default_factory=list)
    output: dict[int, float] = field(default_factory=dict)
    output_constant: float = 0.0

    def add_layer(self, gates: list[Gate]) -> list[int]:
        """Append a hidden layer; returns the indices of the values its gates produce."""
        width_in = self.n_inputs if not self.layers else len(self.layers[-1])
        for gate in gates:
            if any(not 0 <= i < width_in for i in gate.inputs):
                raise ValueError(f"{gate.kind} gate reads a value that layer {len(self.layers)} does not have")
        self.layers.append(list(gates))
        return list(range(len(gates)))

    def compile(self, model: str, meta: dict | None = None, precision: str = "float64") -> Network:
        """The dense network; ``model`` is "paper" (no biases) or "bias"; ``precision`` is the
        floating-point type the network runs in (its weights are computed in float64, then rounded)."""
        if not self.layers:
            raise DepthsepError("a construction needs at least one hidden layer")
        weights, biases = [], []
        # Layer ℓ's values as (R, c): value = R @ h_ℓ + c. Layer 0: the inputs themselves.
        value_rows, value_consts = np.eye(self.n_inputs), np.zeros(self.n_inputs)
        for gates in self.layers:
            rows, bias = [], []
            for gate in gates:
                reads = value_rows[list(gate.inputs)]  # (inputs, width below)
                rows.append(gate.weights @ reads)
                bias.append(gate.biases + gate.weights @ value_consts[list(gate.inputs)])
            weight = np.vstack(rows)
            bias = np.concatenate(bias)
            readout = np.zeros((len(gates), weight.shape[0]))
            start = 0
            for v, gate in enumerate(gates):
                readout[v, start:start + gate.neurons] = gate.readout
                start += gate.neurons
            consts = np.array([g.constant for g in gates])
            weights.append(weight)
            biases.append(bias)
            value_rows, value_consts = readout, consts
        out_row = np.zeros((1, len(self.layers[-1])))
        for v, c in self.output.items():
            out_row[0, v] += c
        weights.append(out_row @ value_rows)
        biases.append(out_row @ value_consts + self.output_constant)
        if model == "paper":
            weights, biases = _constants_through_sigma0(weights, biases, self.sigma0)
        layers = _merge_duplicate_neurons(list(zip(weights, biases)))
        return Network(layers, self.activation, dict(meta or {}), precision)


def _constants_through_sigma0(weights, biases, sigma0: float):
    """Paper model: move every bias onto a neuron σ(0) of the layer below (zero input weights)."""
    weights, biases = list(weights), list(biases)
    for ell in range(len(weights) - 1, 0, -1):
        bias = biases[ell]
        if not np.any(bias):
            continue
        if sigma0 == 0:
            raise DepthsepError("the paper model needs sigma(0) != 0 to carry a constant; use --model bias")
        below = weights[ell - 1]
        weights[ell - 1] = np.vstack([below, np.zeros((1, below.shape[1]))])
        biases[ell - 1] = np.append(biases[ell - 1], 0.0)
        weights[ell] = np.hstack([weights[ell], (bias / sigma0)[:, None]])
        biases[ell] = np.zeros_like(bias)
    if np.any(biases[0]):
        raise AssertionError("a first-layer bias in the paper model: a gate was built off the expansion point 0")
    return weights, biases


def _merge_duplicate_neurons(layers):
    """Drop neurons nothing reads, merge neurons with identical rows: same function, fewer neurons."""
    layers = [(w.copy(), b.copy()) for w, b in layers]
    # Top-down first: dropping a neuron can leave the neurons feeding it unread.
    for ell in range(len(layers) - 2, -1, -1):
        (weight, bias), (above, above_bias) = layers[ell], layers[ell + 1]
        used = np.any(above != 0, axis=0)
        used[np.argmax(used)] = True  # keep at least one neuron so every layer keeps a width
        layers[ell], layers[ell + 1] = (weight[used], bias[used]), (above[:, used], above_bias)
    # Bottom-up: merging layer ℓ adds columns of layer ℓ+1, which can make rows of ℓ+1 equal.
    for ell in range(len(layers) - 1):
        (weight, bias), (above, above_bias) = layers[ell], layers[ell + 1]
        rows = np.hstack([weight, bias[:, None]])
        unique, inverse = np.unique(rows, axis=0, return_inverse=True)
        merged = np.zeros((above.shape[0], len(unique)))
        np.add.at(merged.T, inverse.ravel(), above.T)
        layers[ell], layers[ell + 1] = (unique[:, :-1], unique[:, -1]), (merged, above_bias)
    return layers
