"""`depthsep` on the command line: each command calls the same-named function of :mod:`depthsep.api`
and prints its result as a table, or as JSON with `--json`.

Bad input of any kind ends with exit status 2 and one line on stderr — argparse's own complaints
included (its usage dump is replaced by a one-line message).
"""

from __future__ import annotations

import argparse
import os
import sys

from . import __version__, api
from .errors import DepthsepError
from .report import format_value, key_values, table, to_json


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error raises DepthsepError (one line) instead of printing usage."""

    def error(self, message):
        raise DepthsepError(f"{self.prog}: {message} (see --help)")


# -- renderers: result dict -> readable text ----------------------------------------------------
def render_polynomial(r: dict) -> str:
    rows = [
        ("polynomial", r["polynomial"]), ("variables", ", ".join(r["variables"]) or "-"),
        ("degree", r["degree"]), ("sparsity", r["sparsity"]), ("homogeneous", r["homogeneous"]),
    ]
    return key_values(rows)


def render_bounds(r: dict) -> str:
    rows = [
        ("polynomial", r["polynomial"], ""),
        ("variables", ", ".join(r["variables"]) or "-", f"n = {r['n']}"),
        ("degree", r["degree"], ""),
        ("sparsity", r["sparsity"], "monomials, the paper's c"),
        ("derivative_rank", r["derivative_rank"], f"dim span of all ∂^α p (App. 7.3), over {format_value(r['derivative_count'])} derivatives"),
        ("thm43_lower", r["thm43_lower"], "Thm 4.3(i): max_j m1(q_j) / c"),
        ("coefficient_lower", r["coefficient_lower"], "Thm 4.4: max coefficient of ∏(1+y+…+y^r_i)"),
        ("shallow_lower", r["shallow_lower"], "best proved lower bound on m1_uniform(p)"),
        ("shallow_upper", r["shallow_upper"], "neurons of the 1-hidden-layer construction (Thm 4.1(i) / Prop 4.5)"),
        ("deep_upper", r["deep_upper"], "Thm 4.1(ii) / Prop 4.6(ii), summed over monomials (Thm 4.3(ii))"),
    ]
    text = key_values(rows)
    verdict = "exact" if r["exact"] else "open gap"
    text += f"\n\nm1_uniform(p) is {verdict}: {format_value(r['shallow_lower'])}"
    text += "" if r["exact"] else f" ≤ m1 ≤ {format_value(r['shallow_upper'])}"
    text += f"\nassumes {r['hypothesis']['uniform']} (Taylor versions: {r['hypothesis']['taylor']})"
    return "\n".join([text, *(f"note: {n}" for n in r["notes"])])


def render_tree(r: dict) -> str:
    rows = [[i + 1, m, w] for i, (m, w) in enumerate(zip(r["schedule"], r["widths"]))]
    text = table(["layer", "values out", "neurons"], rows,
                 title=f"product of n = {r['n']} inputs with {r['layers']} hidden layer(s): {format_value(r['neurons'])} neurons (exact minimum)")
    if r["continuous"] is not None:
        b = ", ".join(f"{x:.4f}" for x in r["continuous"])
        text += f"\ncontinuous optimum of eq. (2) under ∏ b_i = n (eq. (5)): b = ({b}), {r['continuous_neurons']:.6g} neurons"
    else:
        text += "\ncontinuous optimum of eq. (2): no stationary point (eq. (5) has no solution with ∏ b_i = n)"
    return text


def render_advise(r: dict) -> str:
    lines = []
    if r["layers"] is None:
        lines.append(f"no product tree for n = {r['n']} fits under {format_value(r['max_width'])} neurons per layer")
    else:
        lines.append(
            f"n = {r['n']}, width ≤ {format_value(r['max_width'])}: {r['layers']} hidden layer(s), "
            f"schedule {r['schedule']}, widths {format_value(r['widths'])}, {format_value(r['neurons'])} neurons"
        )
    lines.append(f"rule of thumb (paper, for W ≈ 2^10): k > log10 n → {r['rule_of_thumb_layers']} layer(s)")
    lines.append(f"paper's curve W = n^((k-1)/k)·2^(n^(1/k)) ≤ W first at k = {r['curve_layers']}")
    lines.append(table(["layers", "curve width"], [[c["layers"], c["width"]] for c in r["curve"]]))
    return "\n".join(lines)


def render_activation(r: dict) -> str:
    rows = [[c["k"], c["exact"], c["value"]] for c in r["coefficients"]]
    text = table(["k", "sigma_k (exact)", "value"], rows,
                 title=f"Taylor coefficients of {r['activation']} = {r['expression']} at {r['point']}")
    hyp = [[h["theorem"], h["condition"], h["holds"]] for h in r["hypotheses"]]
    return text + "\n\n" + table(["theorem", "condition", "holds"], hyp)


def render_build(r: dict) -> str:
    rows = [
        ("target", r["target"], ""),
        ("construction", r["construction"], r["theorem"]),
        ("activation", r["activation"], f"{r['model']} model, Taylor expansion at {r['expansion_point']}"),
        ("hidden widths", r["hidden_widths"], f"{r['layers']} hidden layer(s)"),
        ("neurons", r["neurons"], f"the theorem's count: {format_value(r['promised'])}"),
        ("sup error", f"{r['sup_error']:.3g}", f"on (-{r['radius']:g}, {r['radius']:g})^n" + (f", asked {r['epsilon']:g}" if r["epsilon"] else "")),
        ("scale t", f"{r['scale']:.3g}", "δ of each gate = t / (bound on its inputs)"),
        ("build time", f"{r['build_s']:.2f} s", ""),
    ]
    if "out" in r:
        rows.append(("written", r["out"], ""))
    return key_values(rows) + (f"\nnote: {r['note']}" if r.get("note") else "")


def render_verify(r: dict) -> str:
    rows = [
        ("network", r["network"], f"{r['activation']}, widths {format_value(r['hidden_widths'])}"),
        ("target", r["target"], ""),
        ("sup_error", f"{r['sup_error']:.3g}", f"on (-{r['radius']:g}, {r['radius']:g})^n"),
        ("sampled", f"{r['sampled_sup']:.3g}", f"{r['points']} points: random, corners, faces"),
        ("gradient ascent", f"{r['ascent_sup']:.3g}", f"{r['ascent_starts']} starts x {r['ascent_steps']} steps"),
        ("worst point", ", ".join(f"{v:.4g}" for v in r["argmax"] or []), ""),
    ]
    if "high_precision_sup" in r:
        rows.append(("high precision", f"{r['high_precision_sup']:.3g}", "mpmath, 60 digits, worst points"))
    return key_values(rows)


def render_converge(r: dict) -> str:
    rows = [[row["epsilon"], row["neurons"], row["sup_error"], row["relu_neurons"], row["relu_sup_error"]] for row in r["rows"]]
    text = table(["epsilon", f"{r['activation']} neurons", "sup error", "relu neurons", "relu sup error"], rows,
                 title=f"{r['target']} on (-{r['radius']:g}, {r['radius']:g})^n: {r['activation']} with --layers {r['layers']}, relu with --layers {r['relu_layers']}")
    notes = sorted({row[k] for row in r["rows"] for k in ("note", "relu_note") if row.get(k)})
    return "\n".join([text, *(f"note: {n}" for n in notes), *(f"wrote {p}" for p in r.get("figures", []))])


def render_sweep(r: dict) -> str:
    rows = [(k, r[k]) for k in ("total", "skipped", "trained", "diverged", "wall_s", "store") if k in r]
    text = key_values(rows)
    return "\n".join([text, *(f"wrote {p}" for p in r.get("files", []))])


def render_radial(r: dict) -> str:
    """Key/value view of a radial result; nested rows (experiments) as a table."""
    rows = [(k, v) for k, v in r.items() if not isinstance(v, (list, dict)) or k == "hidden_widths"]
    text = key_values(rows)
    for key, value in r.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            headers = list(value[0])
            text += "\n\n" + table(headers, [[row.get(h) if not isinstance(row.get(h), (list, dict)) else str(row.get(h)) for h in headers] for row in value])
    return text


def render_radial_experiment(r: dict) -> str:
    """Relative error per width, one row per (phi, d, layers); with several seeds, mean [min, max]."""
    widths, many = [str(w) for w in r["widths"]], len(r["seeds"]) > 1

    def cell(row, w):
        mean = row["errors"].get(w)
        if mean is None:
            return None
        return f"{mean:.4f} [{row['errors_min'][w]:.4f}, {row['errors_max'][w]:.4f}]" if many else mean

    rows = [[row["phi"], row["dim"], row["layers"], *(cell(row, w) for w in widths), row["smallest_width"]]
            for row in r["rows"]]
    title = (f"test RMSE / std of phi(|x|), {r.get('input_law', 'x uniform in the unit ball')} "
             f"({'mean [min, max] over seeds' if many else 'seed'} {', '.join(map(str, r['seeds']))}); "
             f"smallest width: mean <= {r['target_error']:g}")
    text = table(["phi", "d", "layers", *(f"w={w}" for w in widths), "smallest width"], rows, title=title)
    footer = (f"ReLU, {r['loss']} loss, {r['optimizer']} lr {r['lr']:g}, {r['steps']} batches of {r['batch_size']}; "
              f"trained in {r['train_s']} s")
    return "\n".join([text, "", footer, *(f"wrote {p}" for p in r.get("figures", []))])


def render_indicator(r: dict) -> str:
    """Test RMSE as a (d, depth) x width grid, then what the grid says about depth."""
    widths, many = r["widths"], len(r["seeds"]) > 1
    cells = {(row["dim"], row["layers"], row["width"]): row for row in r["rows"]}

    def cell(row):
        if row is None or row["rmse"] is None:
            return None
        return f"{row['rmse']:.4f} [{row['rmse_min']:.4f}, {row['rmse_max']:.4f}]" if many else row["rmse"]

    grid = [[d, ell + 1, *(cell(cells.get((d, ell, w))) for w in widths)] for d in r["dims"] for ell in r["layers"]]
    title = (f"test RMSE of 1{{|x| <= 1}}, {r['distribution']} ({r['test_size']} test points, "
             f"{'mean [min, max] over seeds' if many else 'seed'} {', '.join(map(str, r['seeds']))}); "
             f"constant predictor: {r['baseline_rmse']:.4g}")
    lines = [table(["d", "depth", *(f"w={w}" for w in widths)], grid, title=title), ""]
    shallow = {}
    for s in r["summary"]:
        if s["layers"] == r["layers"][0]:
            shallow[s["dim"]] = s
        elif s.get("beats_shallow_at_width") is not None:
            b = shallow[s["dim"]]
            lines.append(f"d = {s['dim']}: depth {s['depth']} at width {s['beats_shallow_at_width']} "
                         f"({format_value(s['beats_shallow_parameters'])} parameters) beats the best depth-{b['depth']} net "
                         f"(RMSE {b['best_rmse']:.4f} at width {b['best_width']}, {format_value(b['best_parameters'])} parameters)")
        elif s["dim"] in shallow:
            lines.append(f"d = {s['dim']}: no depth-{s['depth']} width beats the best depth-{shallow[s['dim']]['depth']} net")
    lines.append(f"ReLU, {r['loss']} loss, {r['optimizer']} lr {r['lr']:g}, {r['steps']} batches of {r['batch_size']}; "
                 f"preset {r['preset']}; trained in {r['train_s']} s")
    lines += [f"wrote {p}" for p in r.get("figures", [])]
    return "\n".join(lines)


def render_radial_sizes(r: dict) -> str:
    rows = [[row["layers"], row["dim"], row["epsilon"], row.get("series", ""), row["neurons"]] for row in r["rows"]]
    text = table(["layers", "dim", "epsilon", "series", "neurons"], rows, title=f"radial construction sizes for phi(t) = {r.get('phi', '')}")
    return "\n".join([text, *(f"wrote {p}" for p in r.get("files", r.get("figures", [])))])


def render_paths(paths: list[str]) -> str:
    return "\n".join(f"wrote {p}" for p in paths)


# -- the parser -----------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="depthsep", description="How deep is deep enough? Neuron counts and depth separations.")
    parser.add_argument("--version", action="version", version=f"depthsep {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    def command(name, help_text):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--json", action="store_true", help="print JSON instead of a table")
        return p

    p = command("poly", "parse a polynomial: variables, degree, sparsity, terms")
    p.add_argument("poly", metavar="POLY", help="e.g. 'x1^3*x2^2*x3' or 'x1*x2 + 3*x3**2'")

    p = command("bounds", "neuron counts and lower bounds for a polynomial (Thms 4.1-4.4, Props 4.5-4.6)")
    p.add_argument("poly", metavar="POLY")

    p = command("tree", "the optimal product tree for x1...xN with K hidden layers (Thm 5.1, eqs. (2), (5))")
    p.add_argument("n", metavar="N", type=int)
    p.add_argument("--layers", type=int, required=True, metavar="K")

    p = command("advise", "the fewest hidden layers whose product tree fits under a width")
    p.add_argument("n", metavar="N", type=int)
    p.add_argument("--max-width", type=int, required=True, metavar="W")

    p = command("activation", "exact Taylor coefficients of an activation and the theorems' hypotheses")
    p.add_argument("name", metavar="NAME", help="tanh, sigmoid, relu, softplus, exp, silu, gelu, or an expression in x")
    p.add_argument("--degree", type=int, default=None, help="highest coefficient (default 2d for --poly, else 8)")
    p.add_argument("--point", default="0", help="expansion point, a rational like 0, 1/2, -0.75 (default 0)")
    p.add_argument("--poly", default=None, help="check the hypotheses for this polynomial's degree")

    p = command("build", "an explicit network for a polynomial, scaled, verified and written (.json/.onnx/.pt)")
    p.add_argument("poly", metavar="POLY")
    p.add_argument("--layers", default="1", help="1 (Thm 4.1(i) / Prop 4.5), deep (Thm 4.1(ii) / 4.3(ii) / Prop 4.6) or K >= 2 (Thm 5.1 product tree)")
    p.add_argument("--activation", default="tanh")
    p.add_argument("--model", default="bias", choices=["paper", "bias"])
    p.add_argument("--epsilon", type=float, default=None, help="reach sup error < EPSILON (default: the least error float64 allows)")
    p.add_argument("--radius", type=float, default=1.0, help="the domain (-R, R)^n (default 1)")
    p.add_argument("--out", default=None, help="write the network: .json, .onnx or .pt")

    p = command("verify", "estimate sup |N - p| of a network JSON on (-R, R)^n")
    p.add_argument("network", metavar="NET")
    p.add_argument("poly", metavar="POLY")
    p.add_argument("--radius", type=float, default=1.0)
    p.add_argument("--high-precision", action="store_true", help="re-evaluate the worst points with mpmath")
    p.add_argument("--seed", type=int, default=0)

    p = command("converge", "Theorem 3.4: neurons and error as epsilon shrinks, smooth activation vs relu")
    p.add_argument("poly", metavar="POLY")
    p.add_argument("--activation", default="tanh")
    p.add_argument("--layers", default="1")
    p.add_argument("--model", default="bias", choices=["paper", "bias"])
    p.add_argument("--radius", type=float, default=1.0)
    p.add_argument("--epsilons", default="1e-1,1e-2,1e-3,1e-4,1e-5,1e-6", help="comma-separated")
    p.add_argument("--out", default=None, help="also plot (PNG and SVG)")

    p = command("sweep", "train a grid of networks, batched, into a resumable SQLite store")
    p.add_argument("--target", required=True,
                   help="product:N, poly:EXPR, radial:PHI:D (phi(|x|), x uniform in the unit ball; "
                        "radial:PHI:D:R for the ball |x| <= R; radial:PHI:D[:R]:radius for |x| ~ U[0, R] with a "
                        "uniform direction) or ball:D (1{|x| <= 1}, |x| ~ U[0, 2]; ball:D:R for U[0, R])")
    p.add_argument("--layers", required=True, help="comma-separated hidden-layer counts, e.g. 1,2,3")
    p.add_argument("--widths", required=True, help="comma-separated widths, e.g. 8,16,32")
    p.add_argument("--activation", default="tanh", help="comma-separated, e.g. tanh,relu")
    p.add_argument("--seeds", default="0", help="comma-separated, e.g. 0,1,2")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--loss", default="l1", choices=["l1", "l2"])
    p.add_argument("--optimizer", default="adadelta", choices=["adadelta", "adam", "sgd"])
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--domain", default="0:2", help="a:b, inputs uniform on [a, b] per coordinate")
    p.add_argument("--test-size", type=int, default=100_000)
    p.add_argument("--store", default="runs.db")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--backend", default="local", choices=["local", "ray"], help="local (this machine) or ray (a Ray cluster; pip install 'depthsep[ray]')")
    p.add_argument("--device", default=None, help="cpu, cuda or cuda:N (default: a GPU when torch sees one, else the CPU)")
    p.add_argument("--address", default=None, help="with --backend ray: HOST:PORT of a Ray head node (default: a private local instance)")

    p = sub.add_parser("runs", help="export the results store", description="export the results store")
    p.add_argument("--store", default="runs.db")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--csv", action="store_const", const="csv", dest="fmt")
    fmt.add_argument("--json", action="store_const", const="json", dest="fmt")
    p.add_argument("--out", default=None, help="write to a file instead of stdout")

    p = command("figure2", "the paper's Figure 2: depth x width sweep for the product of 20 inputs, then its heatmap")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_const", const="quick", dest="mode", help="a subset in minutes on a CPU (default)")
    mode.add_argument("--full", action="store_const", const="full", dest="mode", help="the paper's 20 x 20 grid at a faithful budget (hours; resumable)")
    p.add_argument("--store", default="figure2.db")
    p.add_argument("--out", default="figure2.png")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--backend", default="local", choices=["local", "ray"], help="local (this machine) or ray (a Ray cluster; pip install 'depthsep[ray]')")
    p.add_argument("--device", default=None, help="cpu, cuda or cuda:N (default: a GPU when torch sees one, else the CPU)")
    p.add_argument("--address", default=None, help="with --backend ray: HOST:PORT of a Ray head node (default: a private local instance)")

    command("doctor", "versions, device, threads, cores and Ray: what a bug report needs")

    radial = sub.add_parser("radial", help="radial functions phi(|x|): constructions, sizes, experiments (seed 001)",
                            description="radial functions phi(|x|): constructions, sizes, experiments (seed 001)")
    radials = radial.add_subparsers(dest="radial_command", metavar="ACTION", parser_class=_Parser)
    radials.required = True
    p = radials.add_parser("build", help="an explicit ReLU network for phi(|x|) on the ball, verified")
    p.add_argument("--json", action="store_true")
    p.add_argument("--phi", required=True, help="a function of t, e.g. 'cos(t)', 'abs(sin(2*t))/2', 'min(t, 1 - t/2)'")
    p.add_argument("--dim", type=int, required=True)
    p.add_argument("--radius", type=float, default=1.0)
    p.add_argument("--epsilon", type=float, default=1e-2)
    p.add_argument("--layers", type=int, default=2, choices=[1, 2])
    p.add_argument("--activation", default="relu")
    p.add_argument("--lipschitz", type=float, default=None, help="override the computed Lipschitz constant of phi on [0, R]")
    p.add_argument("--out", default=None, help=".json, .onnx or .pt")
    p = radials.add_parser("sizes", help="neurons of the radial constructions for each (d, epsilon), by formula")
    p.add_argument("--json", action="store_true")
    p.add_argument("--phi", required=True)
    p.add_argument("--layers", default="1,2", help="1, 2 or 1,2")
    p.add_argument("--dims", default="1,2,4,8,16,32")
    p.add_argument("--epsilons", default="0.1,0.05,0.02,0.01")
    p.add_argument("--radius", type=float, default=1.0)
    p.add_argument("--lipschitz", type=float, default=None)
    p.add_argument("--out", default=None, help="also plot (PNG and SVG)")
    p = radials.add_parser("experiment", help="train 1- and 2-hidden-layer networks on radial targets for growing d")
    p.add_argument("--json", action="store_true")
    p.add_argument("--phis", default=None, help="';'-separated functions of t; D stands for the dimension d")
    p.add_argument("--dims", default="2,4,8,16")
    p.add_argument("--widths", default="8,16,32,64,128")
    p.add_argument("--steps", type=int, default=4000)
    p.add_argument("--seeds", default="0", help="comma-separated, e.g. 0,1,2: errors are means over seeds (min/max kept)")
    p.add_argument("--distribution", default="radius", choices=["radius", "ball"],
                   help="inputs: radius = |x| ~ U[0, 1] with a uniform direction, the same law of |x| for every d "
                        "(default); ball = uniform in the unit ball, where |x| concentrates near 1 as d grows")
    p.add_argument("--workers", type=int, default=None, help="CPU processes (default: one per core)")
    p.add_argument("--out", default=None, help="also plot (PNG and SVG)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p = radials.add_parser("indicator", help="Safran-Shamir 2017: the unit-ball indicator learned at depth 2 vs depth 3",
                           description="Safran-Shamir 2017 (arXiv 1610.09887, Sec. 5): train 1- and 2-hidden-layer "
                                       "ReLU nets on 1{|x| <= 1}, |x| ~ U[0, 2], and compare test RMSE per width")
    p.add_argument("--json", action="store_true")
    p.add_argument("--dims", default=None, help="comma-separated dimensions (default 2,10,100; --paper: 100)")
    p.add_argument("--widths", default=None, help="comma-separated (default 25,50,100,200,400; --paper: 100,200,400,800)")
    p.add_argument("--layers", default="1,2", help="hidden layers: 1 is the paper's depth 2, 2 its depth 3 (default 1,2)")
    p.add_argument("--steps", type=int, default=None, help="batches of 100 (default 3000; --paper: 135000)")
    p.add_argument("--seeds", default="0", help="comma-separated, e.g. 0,1,2: errors are means over seeds (min/max kept)")
    p.add_argument("--paper", action="store_true",
                   help="the paper's scale: d=100, widths 100-800, 135000 batches, 50000 test points (hours on a CPU, ~7 min on a GPU)")
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--lr", type=float, default=1e-3, help="Adam's learning rate (default 1e-3)")
    p.add_argument("--radius", type=float, default=2.0, help="inputs have |x| ~ U[0, R], R > 1 (default 2, the paper's)")
    p.add_argument("--test-size", type=int, default=None, help="test points (default 8192; --paper: 50000)")
    p.add_argument("--workers", type=int, default=None, help="CPU processes (default: one per core)")
    p.add_argument("--out", default=None, help="also plot (PNG and SVG)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    bench = sub.add_parser("bench", help="benchmarks that print their figures", description="benchmarks that print their figures")
    benches = bench.add_subparsers(dest="bench", metavar="BENCH", parser_class=_Parser)
    benches.required = True
    p = benches.add_parser("train", help="the training engine against the naive loop (options: see depthsep bench train -- --help)",
                           prefix_chars="+")
    p.add_argument("options", nargs=argparse.REMAINDER)

    plot = sub.add_parser("plot", help="figures (PNG and SVG)", description="figures (PNG and SVG)")
    plots = plot.add_subparsers(dest="figure", metavar="FIGURE", parser_class=_Parser)
    plots.required = True
    p = plots.add_parser("figure1", help="Figure 1: optimal b_i vs n for k = 1, 2, 3 (log-log)")
    p.add_argument("--out", required=True, help="output file (.png or .svg; both are written)")
    p.add_argument("--n-max", type=int, default=10_000)
    p = plots.add_parser("heatmap", help="Figure 2 heatmap from a results store")
    p.add_argument("--store", default="runs.db")
    p.add_argument("--target", default="product:20")
    p.add_argument("--activation", default="tanh")
    p.add_argument("--out", required=True)
    return parser


def dispatch(args) -> tuple[object, callable]:
    """Run the command; return its result and the renderer for the table view."""
    if args.command == "poly":
        return api.polynomial(args.poly), render_polynomial
    if args.command == "bounds":
        return api.bounds(args.poly), render_bounds
    if args.command == "tree":
        return api.tree(args.n, args.layers), render_tree
    if args.command == "advise":
        return api.advise(args.n, args.max_width), render_advise
    if args.command == "activation":
        return api.activation(args.name, args.degree, args.point, args.poly), render_activation
    if args.command == "build":
        return api.build(args.poly, args.layers, args.activation, args.model, args.epsilon, args.radius, args.out), render_build
    if args.command == "verify":
        return api.verify(args.network, args.poly, args.radius, args.high_precision, args.seed), render_verify
    if args.command == "converge":
        return api.converge(args.poly, args.activation, args.layers, args.model, args.radius,
                            _float_list(args.epsilons, "--epsilons"), args.out), render_converge
    if args.command == "sweep":
        return api.sweep(args.target, _int_list(args.layers, "--layers"), _int_list(args.widths, "--widths"),
                         [a.strip() for a in args.activation.split(",") if a.strip()], _int_list(args.seeds, "--seeds"),
                         args.store, steps=args.steps, batch_size=args.batch_size, loss=args.loss,
                         optimizer=args.optimizer, lr=args.lr, domain=args.domain, test_size=args.test_size,
                         progress=not args.no_progress, backend=args.backend, address=args.address,
                         device=args.device), render_sweep
    if args.command == "runs":
        api.runs(args.store, args.fmt or "csv", args.out)
        return None, None
    if args.command == "figure2":
        return api.figure2(args.mode or "quick", args.store, args.out, progress=not args.no_progress,
                           backend=args.backend, address=args.address, device=args.device), render_sweep
    if args.command == "doctor":
        from .doctor import render
        return api.doctor(), render
    if args.command == "radial":
        if args.radial_command == "build":
            return api.radial_build(args.phi, args.dim, args.radius, args.epsilon, args.layers, args.activation,
                                    args.lipschitz, args.out), render_radial
        if args.radial_command == "sizes":
            return api.radial_sizes(args.phi, tuple(_int_list(args.layers, "--layers")), tuple(_int_list(args.dims, "--dims")),
                                    tuple(_float_list(args.epsilons, "--epsilons")), args.radius, args.lipschitz,
                                    args.out), render_radial_sizes
        if args.radial_command == "indicator":
            return api.radial_indicator(
                dims=_optional_int_list(args.dims, "--dims"), widths=_optional_int_list(args.widths, "--widths"),
                layers=tuple(_int_list(args.layers, "--layers")), steps=args.steps,
                seeds=tuple(_int_list(args.seeds, "--seeds")), paper=args.paper, batch_size=args.batch_size, lr=args.lr,
                radius=args.radius, test_size=args.test_size, workers=args.workers, out=args.out,
                progress=not args.no_progress), render_indicator
        phis = tuple(p.strip() for p in args.phis.split(";") if p.strip()) if args.phis else None
        return api.radial_experiment(phis=phis, dims=tuple(_int_list(args.dims, "--dims")),
                                     widths=tuple(_int_list(args.widths, "--widths")), steps=args.steps,
                                     seeds=tuple(_int_list(args.seeds, "--seeds")), distribution=args.distribution,
                                     workers=args.workers, out=args.out, progress=not args.no_progress), render_radial_experiment
    if args.command == "bench":
        from .train.bench import main as bench_main

        bench_main([o for o in args.options if o != "--"])
        return None, None
    if args.command == "plot" and args.figure == "heatmap":
        return api.plot_heatmap(args.store, args.target, args.activation, args.out), render_paths
    if args.command == "plot" and args.figure == "figure1":
        return api.figure1(args.out, n_max=args.n_max), render_paths
    raise DepthsepError(f"unknown command {args.command!r}")


def _int_list(text: str, name: str) -> list[int]:
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise DepthsepError(f"{name} must be comma-separated integers, got {text!r}") from None


def _optional_int_list(text: str | None, name: str) -> tuple[int, ...] | None:
    """None (the preset's default) when the option was not given."""
    return None if text is None else tuple(_int_list(text, name))


def _float_list(text: str, name: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise DepthsepError(f"{name} must be comma-separated numbers, got {text!r}") from None
    if not values or any(not (v > 0 and v < float("inf")) for v in values):
        raise DepthsepError(f"{name} must be positive numbers, got {text!r}")
    return values


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        result, render = dispatch(args)
        if render is not None:  # `runs` writes its own output
            print(to_json(result) if getattr(args, "json", False) is True else render(result))
        return 0
    except DepthsepError as err:
        print(f"depthsep: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("depthsep: interrupted; finished work is kept — run the same command again to resume", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `depthsep ... | head` closing the pipe early is not an error
        return 0
    except Exception as err:  # a bug, not a bad input: still one line unless debugging
        if os.environ.get("DEPTHSEP_DEBUG"):
            raise
        print(f"depthsep: internal error: {type(err).__name__}: {err} (set DEPTHSEP_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
