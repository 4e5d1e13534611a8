"""Derivative rank: the dimension over Q of the span of all partial derivatives of p.

Appendix 7.3 of Rolnick & Tegmark bounds the width of a one-hidden-layer network below by this
number: m1_uniform(p) is at least the number of linearly independent ∂^α p, with α running over all
multisets of variables (α = 0, i.e. p itself, included). This module computes it exactly.

The catalecticant
-----------------
Write p = Σ_β c_β x^β. Since ∂^α x^β = β!/(β-α)! · x^(β-α) for α ≤ β, the coefficient of x^γ in
∂^α p is c_{α+γ} (α+γ)!/γ!. The derivative rank is therefore the rank of the matrix M[α, γ], rows
and columns indexed by the downset D = {α : α ≤ β for some monomial β of p} (the α with ∂^α p ≠ 0).
Scaling column γ by γ! leaves the rank alone and turns M into the catalecticant (a multivariate
Hankel matrix) H[α, γ] = c_{α+γ} (α+γ)!, whose entry depends only on which β equals α + γ. Each row
and each column holds at most c = sparsity non-zero entries, one per monomial β.

Components
----------
Read H as a bipartite graph: row node α, column node γ, and one edge per non-zero entry (α + γ = β
names the edge's monomial). H is block diagonal over the connected components, so the rank is a sum:

* a component that is a tree has rank equal to its maximum matching: every square submatrix whose
  graph has a perfect matching has exactly one (two would make a cycle), so its determinant is ± a
  product of non-zero entries. A monomial's catalecticant is nothing but single-edge components.
* a component with a cycle is where cancellation can happen, e.g. (x+y)^3 has 10 derivatives but
  rank 4. Its block is built with integer entries and its rank computed exactly by FLINT (fraction-
  free elimination over Z). Blocks that repeat, as they do when p has a factor in separate
  variables, are ranked once.

The multi-indices are mixed-radix integers (digit i in base R_i + 1, R_i the largest power of x_i
in p), so that code(α) + code(γ) = code(β) with no carries and numpy enumerates each box {α ≤ β}.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from math import factorial, lcm, prod

import flint
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..errors import DepthsepError
from ..poly import Exponent, Polynomial, parse_polynomial

__all__ = ["MAX_DERIVATIVES", "MAX_ENTRIES", "derivative_count", "derivative_rank"]

#: Default bound on |D|, the number of non-zero derivatives (rows of the catalecticant).
MAX_DERIVATIVES = 2**24
#: Default bound on the number of non-zero entries of the catalecticant (edges of its graph).
MAX_ENTRIES = 2**26
# The downset count tracks sets of surviving boxes; past this many it gives up rather than hang.
_MAX_COUNT_STATES = 10**6
# Place values of one radix chunk stay below this so that codes (and their sums) fit in int64.
_CHUNK_SPACE = 2**62


# -- public -----------------------------------------------------------------------------------


def derivative_count(p: Polynomial | str) -> int:
    """The number of multi-indices α with ∂^α p ≠ 0 (p itself included): |D|, the size of the
    union of the boxes {α ≤ β} over the monomials β of p. Exact, and never lists the α."""
    p = parse_polynomial(p)
    return _downset_size(list(p.terms))


def derivative_rank(
    p: Polynomial | str,
    *,
    max_derivatives: int = MAX_DERIVATIVES,
    max_entries: int = MAX_ENTRIES,
) -> int:
    """dim_Q span{∂^α p : α ≥ 0}, exactly: the lower bound on m1_uniform(p) of Appendix 7.3.

    The catalecticant has |D| = ``derivative_count(p)`` rows. Above ``max_derivatives`` rows a
    monomial still gets its closed form ∏(r_i + 1) (its derivatives are distinct monomials, so
    independent: Theorem 4.1); any other polynomial raises :class:`DepthsepError`, as it does when
    the matrix has more than ``max_entries`` non-zero entries.
    """
    p = parse_polynomial(p)
    if p.is_zero:
        return 0
    count = derivative_count(p)
    if count > max_derivatives:
        if p.is_monomial:
            return count  # = ∏(r_i + 1) for a monomial
        raise DepthsepError(
            f"derivative rank of {p} needs {count} derivatives, "
            f"more than the limit {max_derivatives}"
        )
    entries = sum(_box_size(beta) for beta in p.terms)
    if entries > max_entries:
        raise DepthsepError(
            f"derivative rank of {p} needs a matrix with {entries} non-zero entries, "
            f"more than the limit {max_entries}"
        )
    graph = _catalecticant(p)
    assert graph.size == count, "the enumerated downset disagrees with its count"
    return _rank(graph)


# -- counting the downset ---------------------------------------------------------------------


def _box_size(beta: Exponent) -> int:
    return prod(r + 1 for r in beta)


def _maximal(boxes) -> tuple[Exponent, ...]:
    """The boxes not contained in another one, sorted: a canonical key for the shape of a union."""
    distinct = sorted(set(boxes))
    if len(distinct) < 2:
        return tuple(distinct)
    a = np.array(distinct, dtype=np.int64)
    covered_by = np.empty(len(a), dtype=np.int64)
    step = max(1, 2**22 // a.size)  # rows per slice, so the comparison cube stays small
    for lo in range(0, len(a), step):
        below = a[lo : lo + step, None, :] <= a[None, :, :]
        covered_by[lo : lo + step] = below.all(axis=2).sum(axis=1)
    # Every box covers itself; one covered by another (distinct) box adds nothing to the union.
    return tuple(box for box, count in zip(distinct, covered_by) if count == 1)


def _downset_size(exponents: list[Exponent]) -> int:
    """|∪_β {α ≤ β}| by a sweep over the variables, never listing the α.

    Fixing α_1 = v keeps exactly the boxes with β_1 ≥ v, so only the distinct values of β_1 give
    different sets of surviving boxes (their suffixes, over the remaining variables). We carry,
    for each surviving set, the number of prefixes that lead to it; a set reduced to one box is
    finished in closed form. Different prefixes often leave the same set, and are merged.
    """
    if not exponents:
        return 0
    total = 0
    states: dict[tuple[Exponent, ...], int] = {_maximal(exponents): 1}
    while states:
        if len(states) > _MAX_COUNT_STATES:
            raise DepthsepError(
                f"counting the derivatives of a polynomial with {len(exponents)} terms "
                f"needs more than {_MAX_COUNT_STATES} partial unions of boxes"
            )
        following: dict[tuple[Exponent, ...], int] = defaultdict(int)
        for boxes, ways in states.items():
            if len(boxes) == 1:
                total += ways * _box_size(boxes[0])
                continue
            # Two or more maximal boxes are distinct, so they still have a variable left.
            previous = -1
            for value in sorted({box[0] for box in boxes}):
                survivors = _maximal(box[1:] for box in boxes if box[0] >= value)
                following[survivors] += ways * (value - previous)
                previous = value
        states = following
    return total


# -- the catalecticant as a bipartite graph ---------------------------------------------------


@dataclass(frozen=True)
class _Catalecticant:
    """Non-zero entries of H: entry e sits at (rows[e], cols[e]) and equals weights[terms[e]]."""

    size: int  # |D|; row and column ids both run over 0..size-1
    rows: np.ndarray
    cols: np.ndarray
    terms: np.ndarray
    weights: list[int]  # c_β · β! · (common denominator), one per monomial β: integers


@dataclass(frozen=True)
class _Radix:
    """Mixed-radix codes of multi-indices, cut into int64 chunks (one chunk unless p is huge)."""

    chunk: np.ndarray  # which chunk holds the digit of variable i
    place: np.ndarray  # the place value of that digit inside its chunk
    spaces: tuple[int, ...]  # the number of codes of each chunk

    @property
    def chunks(self) -> int:
        return len(self.spaces)

    @classmethod
    def for_bounds(cls, bounds: list[int]) -> _Radix:
        """Digit i runs over 0..bounds[i]; a new chunk opens where int64 would overflow."""
        chunk, place, spaces = [], [], [1]
        for bound in bounds:
            if spaces[-1] * (bound + 1) >= _CHUNK_SPACE:
                spaces.append(1)
            chunk.append(len(spaces) - 1)
            place.append(spaces[-1])
            spaces[-1] *= bound + 1
        return cls(np.array(chunk, dtype=np.intp), np.array(place, dtype=np.int64), tuple(spaces))

    def encode(self, exponent: Exponent) -> np.ndarray:
        code = np.zeros(self.chunks, dtype=np.int64)
        np.add.at(code, self.chunk, self.place * np.array(exponent, dtype=np.int64))
        return code

    def box(self, beta: Exponent) -> np.ndarray:
        """Codes of every α ≤ β, shape (∏(β_i + 1), chunks), built as an outer sum of digits.

        The last digit added varies fastest, so adding the highest place first makes the codes
        come out increasing (with one chunk): the boxes are sorted runs, cheap to merge and search.
        """
        codes = np.zeros((1, self.chunks), dtype=np.int64)
        for i in reversed(range(len(beta))):
            r = beta[i]
            if r:
                digits = np.zeros((r + 1, self.chunks), dtype=np.int64)
                digits[:, self.chunk[i]] = np.arange(r + 1, dtype=np.int64) * self.place[i]
                codes = (codes[:, None, :] + digits[None, :, :]).reshape(-1, self.chunks)
        return codes


def _catalecticant(p: Polynomial) -> _Catalecticant:
    monomials = list(p.terms)
    radix = _Radix.for_bounds([max(beta[i] for beta in monomials) for i in range(p.n)])
    alphas, gammas, terms = [], [], []
    for j, beta in enumerate(monomials):
        alpha = radix.box(beta)
        alphas.append(alpha)
        gammas.append(radix.encode(beta) - alpha)  # γ = β - α: no carries, digit by digit
        terms.append(np.full(len(alpha), j, dtype=np.int32))
    size, rows, cols = _label(radix, np.concatenate(alphas), np.concatenate(gammas))
    denominator = lcm(*(c.denominator for c in p.terms.values()))
    weights = [
        _as_int(p.terms[beta] * denominator * prod(factorial(r) for r in beta))
        for beta in monomials
    ]
    return _Catalecticant(size, rows, cols, np.concatenate(terms), weights)


def _as_int(value: Fraction) -> int:
    assert value.denominator == 1
    return value.numerator


def _label(
    radix: _Radix, alpha: np.ndarray, gamma: np.ndarray
) -> tuple[int, np.ndarray, np.ndarray]:
    """Number the codes of D as 0..|D|-1 in code order; returns |D| and the ids of alpha, gamma.

    The α of all boxes and the γ = β - α of all boxes are the same set D, so numbering the α
    numbers the γ too.
    """
    if radix.chunks == 1:
        alpha, gamma = alpha[:, 0], gamma[:, 0]
        space = radix.spaces[0]
        if space <= max(4 * len(alpha), 2**16):
            # A dense code -> id table: linear time, and the space is small next to the edges.
            present = np.zeros(space, dtype=bool)
            present[alpha] = True
            ids = np.cumsum(present, dtype=np.int64) - 1
            return int(ids[-1]) + 1, ids[alpha], ids[gamma]
        # alpha is a concatenation of increasing runs (one per box): a stable sort merges them.
        codes = np.sort(alpha, kind="stable")
        codes = codes[np.concatenate(([True], codes[1:] != codes[:-1]))]
        return len(codes), np.searchsorted(codes, alpha), np.searchsorted(codes, gamma)
    codes, ids = np.unique(np.concatenate([alpha, gamma]), axis=0, return_inverse=True)
    ids = ids.reshape(-1)
    return len(codes), ids[: len(alpha)], ids[len(alpha):]


# -- rank -------------------------------------------------------------------------------------


def _rank(graph: _Catalecticant) -> int:
    size = graph.size
    rows, cols = graph.rows, graph.cols
    # Node ids: rows are 0..size-1, columns size..2·size-1.
    adjacency = coo_matrix(
        (np.ones(len(rows), dtype=np.int8), (rows, cols + size)), shape=(2 * size, 2 * size)
    )
    n_components, labels = connected_components(adjacency, directed=False)
    component = labels[rows]
    edges = np.bincount(component, minlength=n_components)
    nodes = np.bincount(labels, minlength=n_components)
    # Every node has an edge (α ∈ D lies below some β), so a component has ≥ 2 nodes and 1 edge.
    tree = edges == nodes - 1
    single = edges == 1

    rank = int(np.count_nonzero(single))  # a lone non-zero entry: rank 1, in bulk
    in_tree = (tree & ~single)[component]
    rank += _forest_matching_size(rows[in_tree], cols[in_tree] + size)
    cyclic = ~tree[component]
    rank += _cyclic_rank(rows[cyclic], cols[cyclic], graph.terms[cyclic], component[cyclic],
                         graph.weights)
    return rank


def _forest_matching_size(u: np.ndarray, v: np.ndarray) -> int:
    """Size of a maximum matching of the forest with edges (u[e], v[e]), by leaf stripping.

    Matching a leaf to its only neighbour is always part of some maximum matching, so each round
    matches, for every node adjacent to a leaf, one such leaf (vertex-disjoint pairs, hence as good
    as doing them one at a time) and deletes the matched nodes. Every forest has a leaf, so each
    round makes progress; the number of rounds is about a quarter of the longest path.
    """
    matched = 0
    while u.size:
        n_nodes = int(max(u.max(), v.max())) + 1
        degree = np.bincount(u, minlength=n_nodes) + np.bincount(v, minlength=n_nodes)
        leaf_u = degree[u] == 1
        leaf_edges = np.flatnonzero(leaf_u | (degree[v] == 1))
        # The leaf's partner; for an isolated edge (both ends leaves) that is v.
        partner = np.where(leaf_u, v, u)[leaf_edges]
        # One leaf edge per partner: of the edges written to the same slot, exactly one stays.
        claim = np.empty(n_nodes, dtype=np.int64)
        claim[partner] = leaf_edges
        chosen = leaf_edges[claim[partner] == leaf_edges]
        matched += len(chosen)
        gone = np.zeros(n_nodes, dtype=bool)
        gone[u[chosen]] = True
        gone[v[chosen]] = True
        keep = ~(gone[u] | gone[v])
        u, v = u[keep], v[keep]
    return matched


def _cyclic_rank(rows, cols, terms, components, weights: list[int]) -> int:
    """Sum of the exact ranks of the blocks of the components that contain a cycle.

    Each block is written as its list of (local row, local column, monomial) triples, rows and
    columns numbered within the block in code order. Two components with the same list have the
    same matrix (an entry is fixed by its monomial), so each distinct block is ranked once.
    """
    if rows.size == 0:
        return 0
    _, components = np.unique(components, return_inverse=True)
    local_rows = _rank_within(components, rows)
    local_cols = _rank_within(components, cols)
    order = np.lexsort((local_cols, local_rows, components))
    pattern = np.stack([local_rows[order], local_cols[order], terms[order]], axis=1)
    sizes = np.bincount(components)
    starts = np.cumsum(sizes) - sizes
    rank = 0
    for size in np.unique(sizes):
        members = np.flatnonzero(sizes == size)
        blocks = pattern[starts[members, None] + np.arange(size)].reshape(len(members), -1)
        for block, count in _distinct_rows(blocks):
            rank += int(count) * _block_rank(block.reshape(size, 3), weights)
    return rank


def _distinct_rows(rows: np.ndarray) -> list[tuple[np.ndarray, int]]:
    """The distinct rows of a 2-d integer array with their multiplicities, exactly.

    Rows are grouped by a random linear fingerprint (a 1-d sort, much faster than comparing whole
    rows), then every row is compared with its group's first row: any collision sends the lot to
    the exact, slower row-wise ``np.unique``.
    """
    if len(rows) == 1:
        return [(rows[0], 1)]
    multipliers = np.random.default_rng(0).integers(1, 2**63, rows.shape[1], dtype=np.uint64)
    fingerprints = rows.astype(np.uint64) @ multipliers  # wraps modulo 2^64
    _, first, group, copies = np.unique(
        fingerprints, return_index=True, return_inverse=True, return_counts=True
    )
    if not np.array_equal(rows, rows[first][group.reshape(-1)]):
        distinct, copies = np.unique(rows, axis=0, return_counts=True)
        return list(zip(distinct, copies.tolist()))
    return list(zip(rows[first], copies.tolist()))


def _rank_within(groups: np.ndarray, items: np.ndarray) -> np.ndarray:
    """For each position, the rank of items[k] among the distinct items of its group."""
    radix = np.int64(items.max()) + 1
    keys, inverse = np.unique(groups.astype(np.int64) * radix + items, return_inverse=True)
    group_of_key = keys // radix
    first_of_group = np.searchsorted(group_of_key, group_of_key)
    return (np.arange(len(keys)) - first_of_group)[inverse.reshape(-1)]


def _block_rank(triples: np.ndarray, weights: list[int]) -> int:
    """Exact rank of one block given as (row, column, monomial) triples, integer entries."""
    n_rows = int(triples[:, 0].max()) + 1
    n_cols = int(triples[:, 1].max()) + 1
    entries = [0] * (n_rows * n_cols)
    for row, col, term in triples.tolist():
        entries[row * n_cols + col] = weights[term]
    # FLINT's rank over Z is exact (fraction-free elimination), whatever the size of the entries.
    return int(flint.fmpz_mat(n_rows, n_cols, entries).rank())
