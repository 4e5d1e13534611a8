"""Parse a user's formula into a sympy expression without ever evaluating it as code.

sympy's own ``parse_expr`` ends in Python's ``eval`` on the transformed text, so a string such as
``__import__('os').system(...)`` would run. depthsep instead parses the text with :mod:`ast` (a
real parser that executes nothing) and walks the tree, accepting only a whitelist of node kinds:
numbers, names, ``+ - * / ** ^``, unary signs and calls of whitelisted functions. Every other node
is refused with one line naming it. The result is built node by node from sympy constructors.

``^`` is accepted as power (``x1^3*x2``): it is rewritten to ``**`` *before* parsing, because in
Python's grammar ``^`` binds more loosely than ``*`` and would silently give ``x1^(3*x2)``.

Two modes share the walker:

* ``polynomial=True`` — the polynomial grammar: no function calls, exponents of non-constant bases
  must be non-negative integers, division only by non-zero constants, and an estimate of the
  number of terms after expansion guards against ``(x1+...+x20)^20`` exhausting the machine.
* function mode — for activations σ(x) and radial profiles φ(t): whitelisted functions and the
  constants ``pi`` and ``E``; only the declared variable may appear.
"""

from __future__ import annotations

import ast
import math
from fractions import Fraction
from dataclasses import dataclass, field

import sympy as sp

from .errors import DepthsepError

MAX_TEXT_LENGTH = 10_000
MAX_EXPONENT = 10_000
MAX_LITERAL_DIGITS = 400
MAX_EXPANDED_TERMS = 200_000

# name -> sympy constructor, for function mode.
FUNCTIONS: dict[str, object] = {
    "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "abs": sp.Abs, "Abs": sp.Abs,
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "atan": sp.atan, "asin": sp.asin, "acos": sp.acos,
    "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh, "erf": sp.erf, "erfc": sp.erfc,
    "sign": sp.sign, "min": sp.Min, "Min": sp.Min, "max": sp.Max, "Max": sp.Max,
    "floor": sp.floor, "ceiling": sp.ceiling,
}
CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "E": sp.E}


@dataclass
class _Walker:
    text: str  # the text ast parsed (with ^ already turned into **)
    shown: str  # the text the user typed, quoted in error messages
    polynomial: bool
    variables: frozenset[str] | None  # None: any identifier is a variable (polynomial mode)
    functions: dict[str, object] = field(default_factory=dict)
    constants: dict[str, sp.Expr] = field(default_factory=dict)

    def fail(self, node: ast.AST, what: str) -> DepthsepError:
        segment = ast.get_source_segment(self.text, node) or ast.unparse(node)
        return DepthsepError(f"{what}: '{segment}' in '{self.shown}'")

    # Each visit returns (sympy expression, upper bound on the number of terms after expansion).
    def visit(self, node: ast.AST) -> tuple[sp.Expr, int]:
        if isinstance(node, ast.Constant):
            return self.constant(node), 1
        if isinstance(node, ast.Name):
            return self.name(node), 1
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
            value, terms = self.visit(node.operand)
            return (-value if isinstance(node.op, ast.USub) else value), terms
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.Call):
            return self.call(node), 1
        kind = {
            ast.Attribute: "attribute access is not allowed",
            ast.Subscript: "indexing is not allowed",
            ast.Compare: "comparisons are not allowed",
            ast.BoolOp: "boolean operators are not allowed",
            ast.Lambda: "lambdas are not allowed",
            ast.Tuple: "tuples are not allowed",
            ast.List: "lists are not allowed",
        }.get(type(node), f"unsupported syntax ({type(node).__name__})")
        raise self.fail(node, kind)

    def constant(self, node: ast.Constant) -> sp.Expr:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(node, "only numbers are allowed as literals")
        segment = ast.get_source_segment(self.text, node) or repr(value)
        if len(segment) > MAX_LITERAL_DIGITS:
            raise self.fail(node, "number literal too long")
        if isinstance(value, int):
            return sp.Integer(value)
        if not math.isfinite(value):
            raise self.fail(node, "number is not finite")
        # The decimal the user typed, exactly: 0.1 means 1/10, not the nearest binary double.
        exact = Fraction(segment.replace("_", ""))
        return sp.Rational(exact.numerator, exact.denominator)

    def name(self, node: ast.Name) -> sp.Expr:
        ident = node.id
        if ident.startswith("_"):
            raise self.fail(node, "names starting with '_' are not allowed")
        if ident in self.constants:
            return self.constants[ident]
        if self.variables is not None and ident not in self.variables:
            allowed = ", ".join(sorted(self.variables))
            raise self.fail(node, f"unknown name (the variable is {allowed})")
        return sp.Symbol(ident, real=True)

    def call(self, node: ast.Call) -> sp.Expr:
        if not self.functions:
            raise self.fail(node, "non-polynomial term")
        if not isinstance(node.func, ast.Name) or node.func.id not in self.functions:
            raise self.fail(node, f"unknown function (known: {', '.join(sorted(self.functions))})")
        if node.keywords or not node.args:
            raise self.fail(node, "functions take positional arguments only")
        args = [self.visit(arg)[0] for arg in node.args]
        try:
            return self.functions[node.func.id](*args)
        except (TypeError, ValueError) as err:
            raise self.fail(node, f"bad call ({err})") from None

    def binop(self, node: ast.BinOp) -> tuple[sp.Expr, int]:
        op = node.op
        if not isinstance(op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)):
            raise self.fail(node, f"operator {type(op).__name__} is not allowed")
        left, left_terms = self.visit(node.left)
        right, right_terms = self.visit(node.right)
        if isinstance(op, (ast.Add, ast.Sub)):
            return (left + right if isinstance(op, ast.Add) else left - right), left_terms + right_terms
        if isinstance(op, ast.Mult):
            return left * right, self.capped(node, left_terms * right_terms)
        if isinstance(op, ast.Div):
            if right.is_zero:
                raise self.fail(node, "division by zero")
            if self.polynomial and right.free_symbols:
                raise self.fail(node.right, "division by a non-constant is not polynomial")
            return left / right, left_terms
        return self.power(node, left, left_terms, right)

    def power(self, node: ast.BinOp, base: sp.Expr, base_terms: int, exponent: sp.Expr):
        if self.polynomial:
            if exponent.free_symbols:
                raise self.fail(node.right, "exponent must be a number")
            if base.free_symbols:
                if not exponent.is_Integer:
                    raise self.fail(node, f"fractional exponent {exponent}")
                if exponent < 0:
                    raise self.fail(node, f"negative exponent {exponent}")
        if exponent.is_Number and abs(exponent) > MAX_EXPONENT:
            raise self.fail(node, f"exponent larger than {MAX_EXPONENT}")
        if base.is_zero and exponent.is_Number and exponent < 0:
            raise self.fail(node, "division by zero")
        if exponent.is_Integer and int(exponent) >= 0:
            k = int(exponent)
            # A sum of t terms to the k-th power has at most C(t+k-1, k) terms after expansion.
            terms = math.comb(base_terms + k - 1, k) if base_terms > 1 else 1
            return base**exponent, self.capped(node, terms)
        return base**exponent, 1

    def capped(self, node: ast.AST, terms: int) -> int:
        if self.polynomial and terms > MAX_EXPANDED_TERMS:
            raise self.fail(node, f"expands to more than {MAX_EXPANDED_TERMS} terms")
        return terms


def _parse_tree(text: object, what: str) -> ast.Expression:
    if not isinstance(text, str):
        raise DepthsepError(f"{what} must be a string, got {type(text).__name__}")
    if not text.strip():
        raise DepthsepError(f"empty {what}")
    if len(text) > MAX_TEXT_LENGTH:
        raise DepthsepError(f"{what} longer than {MAX_TEXT_LENGTH} characters")
    if "\n" in text.strip() or ";" in text:
        raise DepthsepError(f"malformed {what} '{text}': one expression on one line expected")
    source = text.strip().replace("^", "**")
    try:
        return ast.parse(source, mode="eval")
    except SyntaxError as err:
        where = f" at column {err.offset}" if err.offset else ""
        raise DepthsepError(f"malformed {what} '{text.strip()}': {err.msg}{where}") from None
    except (ValueError, RecursionError, MemoryError) as err:
        raise DepthsepError(f"malformed {what} '{text.strip()}': {type(err).__name__}") from None


def _walk(walker: _Walker, tree: ast.Expression, what: str) -> tuple[sp.Expr, int]:
    try:
        return walker.visit(tree.body)
    except RecursionError:
        raise DepthsepError(f"{what} nested too deeply") from None


def parse_polynomial_expression(text: object) -> sp.Expr:
    """Parse polynomial text (``x1^3*x2 - 2*y``) into an unexpanded sympy expression.

    Raises :class:`DepthsepError` naming the offending piece for anything that is not a polynomial
    with rational coefficients in non-negative integer powers.
    """
    tree = _parse_tree(text, "polynomial")
    walker = _Walker(text=text.strip().replace("^", "**"), shown=text.strip(), polynomial=True, variables=None)
    expr, _ = _walk(walker, tree, "polynomial")
    return expr


def parse_function(text: object, variable: str = "x", *, extra_functions: dict | None = None) -> sp.Expr:
    """Parse a univariate function of ``variable`` (``log(1+exp(x))``, ``min(t, 1-t/2)``)."""
    tree = _parse_tree(text, "expression")
    walker = _Walker(
        text=text.strip().replace("^", "**"), shown=text.strip(), polynomial=False, variables=frozenset({variable}),
        functions={**FUNCTIONS, **(extra_functions or {})}, constants=dict(CONSTANTS),
    )
    expr, _ = _walk(walker, tree, "expression")
    return expr


def symbol(name: str) -> sp.Symbol:
    """The sympy symbol the parser uses for ``name`` (real-valued, as every input here is)."""
    return sp.Symbol(name, real=True)
