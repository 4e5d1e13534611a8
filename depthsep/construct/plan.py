"""A construction as a small dataflow graph of gates, laid out in layers with identity carries.

Builders say *what* to compute — ``plan.monomial([a, b], (1, 1))`` is a product gate one layer
above the later of a and b — and :meth:`Plan.circuit` decides *where*: a value consumed more than
one layer above the one that made it is carried up by identity gates (one neuron per layer; one
chain per value however many consumers it has), because an MLP has no skip connections.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import prod

from .circuit import Circuit
from .gates import identity_gate, monomial_gate, vandermonde_gate


@dataclass(eq=False)
class Node:
    """One value: an input, or the output of a gate placed at ``layer``."""

    op: str  # "input" | "monomial" | "vandermonde"
    args: tuple[Node, ...]
    layer: int
    bound: float  # upper bound on |value| over the domain
    index: int = -1  # for inputs
    powers: tuple[int, ...] = ()  # for monomial gates
    coefficients: tuple = ()  # for Vandermonde gates (p_0 … p_d)
    divisors: tuple[float, ...] | None = None  # δ_i = t / divisor_i; None: bound_i · degree


@dataclass
class Plan:
    """The graph: inputs x_1 … x_n on (−R, R), and the gates built on them."""

    n_inputs: int
    radius: float
    inputs: list[Node] = field(init=False)

    def __post_init__(self):
        self.inputs = [Node("input", (), 0, self.radius, index=i) for i in range(self.n_inputs)]

    def monomial(self, args, powers, divisors=None, layer: int = 0) -> Node:
        """∏ args_i^powers_i, one layer above its latest argument, or at ``layer`` if that is higher."""
        args = tuple(args)
        return Node(
            "monomial", args, max(layer, 1 + max(a.layer for a in args)),
            float(prod(a.bound**r for a, r in zip(args, powers))), powers=tuple(powers), divisors=divisors,
        )

    def vandermonde(self, arg: Node, coefficients, divisor: float) -> Node:
        bound = float(sum(abs(float(c)) * arg.bound**k for k, c in enumerate(coefficients)))
        return Node("vandermonde", (arg,), arg.layer + 1, bound, coefficients=tuple(coefficients), divisors=(divisor,))

    def graph(self, outputs) -> list[Node]:
        """Every node the outputs depend on, arguments before their consumers."""
        return _topological(outputs)

    def circuit(self, outputs: dict[Node, float], constant: float, kit, min_layers: int = 1) -> Circuit:
        """Lay the graph out in layers (carrying values up with identity gates) as a Circuit."""
        nodes = _topological(outputs)
        depth = max([min_layers] + [n.layer for n in nodes])
        # The highest layer at which each value must exist: one below its highest consumer.
        needed_until = {n: n.layer for n in nodes}
        for n in nodes:
            for a in n.args:
                needed_until[a] = max(needed_until[a], n.layer - 1)
        for n in outputs:
            needed_until[n] = depth

        circuit = Circuit(self.n_inputs, kit.activation, sigma0=kit.taylor_at_zero)
        slot = {(x, 0): x.index for x in self.inputs}  # (node, layer) -> value index in that layer
        for layer in range(1, depth + 1):
            gates = []
            for n in nodes:
                if n.op != "input" and n.layer == layer:
                    gates.append(_gate(n, [slot[(a, layer - 1)] for a in n.args], kit))
                elif n.layer < layer <= needed_until[n]:
                    # The identity gate's error is first order in δ (σ_2 δ u² / σ_1), the product
                    # gates' second order: t² for identities keeps both at the same size.
                    gates.append(identity_gate(slot[(n, layer - 1)], kit.taylor, kit.point, kit.t**2 / max(n.bound, 1e-300), n.bound))
                else:
                    continue
                slot[(n, layer)] = len(gates) - 1
            circuit.add_layer(gates)
        circuit.output = {}
        for n, c in outputs.items():
            index = slot[(n, depth)]
            circuit.output[index] = circuit.output.get(index, 0.0) + float(c)
        circuit.output_constant = float(constant)
        return circuit


def _gate(node: Node, inputs: list[int], kit):
    if node.op == "vandermonde":
        arg = node.args[0]
        return vandermonde_gate(inputs[0], node.coefficients, kit.taylor, kit.point, kit.t / node.divisors[0], arg.bound)
    degree = sum(node.powers)
    divisors = node.divisors or tuple(max(a.bound, 1e-300) * degree for a in node.args)
    deltas = [kit.t / d for d in divisors]
    return monomial_gate(inputs, node.powers, kit.taylor, kit.point, deltas, [a.bound for a in node.args])


def _topological(outputs) -> list[Node]:
    order, seen = [], set()

    def visit(n: Node):
        if id(n) in seen:
            return
        seen.add(id(n))
        for a in n.args:
            visit(a)
        order.append(n)

    for n in outputs:
        visit(n)
    return order
