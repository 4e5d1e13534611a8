"""Every command, declared once: its name, help, arguments, the API function it calls and the
renderer of its table. The parser is built from this table and a command runs as
``render(api_function(**options))``; option names are the API's parameter names (``--max-width`` is
``max_width``), so the CLI and the Python API cannot drift apart.

Defaults are not written here: an option left unset is not passed, and the API's default (for
training, :class:`~depthsep.train.config.TrainingConfig` and :class:`~depthsep.train.config.RunOptions`)
applies. The help text of every option states that default.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from ..construct import CONSTRUCTIONS, METRICS
from ..train.config import BACKENDS, RunOptions, TrainingConfig
from . import render as r


@dataclass(frozen=True)
class Arg:
    """One argument: argparse's flags and keywords; ``dest`` is the API parameter it fills."""

    flags: tuple[str, ...]
    kwargs: dict = field(default_factory=dict)


def arg(*flags: str, **kwargs) -> Arg:
    return Arg(flags, kwargs)


def mode(name: str, help: str) -> Arg:
    """``--quick``, ``--full``, …: one of an experiment's presets, passed as ``mode``."""
    return arg(f"--{name}", dest="mode", action="store_const", const=name, help=help)


@dataclass(frozen=True)
class Command:
    """``path``: the words typed (``("radial", "build")``); ``api``: the name of the function in
    :mod:`depthsep.api` (and exported by ``depthsep``); ``render``: result → text (None: the result is
    printed as JSON or, for text results, as is)."""

    path: tuple[str, ...]
    help: str
    api: str
    args: tuple[Arg, ...] = ()
    render: object = None
    json: bool = True
    description: str | None = None
    render_with: tuple[str, ...] = ()     # options the renderer also needs (runs: the format)


def _default(value) -> str:
    if isinstance(value, tuple):               # an interval, as typed: a:b
        return ":".join(f"{v:g}" for v in value)
    return str(value)


_T, _R = TrainingConfig(), RunOptions()

#: The run options of every command that trains (defaults: RunOptions).
RUN_ARGS = (
    arg("--backend", choices=list(BACKENDS),
        help=f"local (this machine) or ray (a Ray cluster; pip install 'depthsep[ray]') (default: {_R.backend})"),
    arg("--address", help="with --backend ray: HOST:PORT of a Ray head node (default: a private local instance)"),
    arg("--device", help="cpu, cuda or cuda:N (default: a GPU when torch sees one, else the CPU)"),
    arg("--workers", help="CPU worker processes for --backend local (default: one per core)"),
    arg("--no-progress", dest="progress", action="store_false", default=None,
        help="no progress bar on stderr (default: a bar with an ETA)"),
)


def training_args(**why: str) -> tuple[Arg, ...]:
    """The training options of :class:`TrainingConfig`, with its defaults in the help; ``why`` adds
    a reason after a default (where a command's preset differs from it)."""
    help_ = {
        "steps": "optimizer steps, one fresh batch each",
        "batch_size": "points per step",
        "loss": "training loss",
        "optimizer": "the optimizer",
        "lr": "learning rate",
        "domain": "a:b, inputs uniform on [a, b] per coordinate (radial and ball targets have their own law)",
        "test_size": "test points the errors are measured on",
    }
    choices = {"loss": ["l1", "l2"], "optimizer": ["adadelta", "adam", "sgd"]}
    out = []
    for f in fields(TrainingConfig):
        value = getattr(_T, f.name)
        default = "the optimizer's torch default: adadelta 1.0, adam 1e-3, sgd 1e-3" if value is None else _default(value)
        text = f"{help_[f.name]} (default: {default})" + (f"; {why[f.name]}" if f.name in why else "")
        out.append(arg("--" + f.name.replace("_", "-"), choices=choices.get(f.name), help=text))
    return tuple(out)


POLY = arg("poly", metavar="POLY", help="a polynomial, e.g. 'x1^3*x2^2*x3' or 'x1*x2 + 3*x3**2'")
STORE_HELP = "the SQLite results store (default: {})"


COMMANDS: tuple[Command, ...] = (
    Command(("poly",), "parse a polynomial: variables, degree, sparsity, terms", "polynomial", (POLY,),
            r.render_polynomial),
    Command(("bounds",), "neuron counts and lower bounds for a polynomial (Thms 4.1-4.4, Props 4.5-4.6)", "bounds",
            (POLY,), r.render_bounds),
    Command(("tree",), "the optimal product tree for x1...xN with K hidden layers (Thm 5.1, eqs. (2), (5))", "tree",
            (arg("n", metavar="N", help="number of inputs"),
             arg("--layers", required=True, metavar="K", help="hidden layers (required)")), r.render_tree),
    Command(("advise",), "the fewest hidden layers whose product tree fits under a width", "advise",
            (arg("n", metavar="N", help="number of inputs"),
             arg("--max-width", required=True, metavar="W", help="neurons allowed per hidden layer (required)")),
            r.render_advise),
    Command(("activation",), "exact Taylor coefficients of an activation and the theorems' hypotheses", "activation",
            (arg("name", metavar="NAME", help="tanh, sigmoid, relu, softplus, exp, silu, gelu, or an expression in x"),
             arg("--degree", help="highest coefficient (default: 2d for --poly of degree d, else 8)"),
             arg("--point", help="expansion point, a rational like 0, 1/2, -0.75 (default: 0)"),
             arg("--poly", help="check the hypotheses for this polynomial's degree (default: none)")),
            r.render_activation),
    Command(("build",), "an explicit network for a polynomial, scaled, verified and written", "build",
            (POLY,
             arg("--construction", choices=list(CONSTRUCTIONS),
                 help="taylor: the paper's gates, the same neurons for every epsilon; log-exp: a monomial as "
                      "exp of a sum of logs, sized for one epsilon in --metric on --domain (default: taylor)"),
             arg("--layers", help="taylor: 1 (Thm 4.1(i) / Prop 4.5), deep (Thm 4.1(ii) / 4.3(ii) / Prop 4.6) or "
                                  "K >= 2 (Thm 5.1 product tree); log-exp: K >= 2, or 3 on a box with negative "
                                  "numbers, extra layers carrying the inputs (default: 1; log-exp: 2 or 3)"),
             arg("--activation", help="the activation σ (default: tanh; see depthsep activation)"),
             arg("--model", choices=["paper", "bias"],
                 help="paper: no biases, constants from σ(0) neurons, the theorems' counts; bias: affine "
                      "layers, σ expanded where its coefficients are non-zero (default: bias)"),
             arg("--epsilon", help="reach an error < EPSILON in --metric (default: taylor, the least sup error "
                                   "the precision allows; log-exp: required)"),
             arg("--radius", help="the domain (-R, R)^n (default: 1)"),
             arg("--domain", metavar="A:B", help="log-exp: the box [A, B]^n instead of (-R, R)^n (default: -R:R)"),
             arg("--metric", choices=list(METRICS),
                 help="log-exp: sup on the box, or mae / rmse under x ~ U[A, B]^n (default: sup)"),
             arg("--dtype", choices=["float64", "float32"],
                 help="the precision the network is built and verified in (default: float64)"),
             arg("--out", action="append",
                 help="write the network: .json, .onnx, .pt (torch.load) or .pt2 (torch.export.load); "
                      "repeat for several formats (default: not written)")),
            r.render_build),
    Command(("verify",), "estimate sup |N - p| of a network on (-R, R)^n, or its error under U[a, b]^n", "verify",
            (arg("network", metavar="NET", help="a network file: .json, .onnx, .pt or .pt2"), POLY,
             arg("--radius", help="the domain (-R, R)^n (default: 1)"),
             arg("--domain", metavar="A:B", help="the box [A, B]^n instead of (-R, R)^n (default: -R:R)"),
             arg("--metric", choices=list(METRICS),
                 help="sup on the box, or mae / rmse under x ~ U[A, B]^n, estimated from 200000 points (default: sup)"),
             arg("--high-precision", action="store_true", default=None,
                 help="re-evaluate the worst points with mpmath (default: off)"),
             arg("--seed", help="seed of the random points (default: 0)"),
             arg("--dtype", choices=["float64", "float32"],
                 help="evaluate in this precision (default: the network's own, kept in its file)")),
            r.render_verify),
    Command(("converge",), "Theorem 3.4: neurons and error as epsilon shrinks, smooth activation vs relu", "converge",
            (POLY,
             arg("--activation", help="the smooth activation (default: tanh)"),
             arg("--layers", help="1, deep or K, as for build (default: 1)"),
             arg("--model", choices=["paper", "bias"], help="as for build (default: bias)"),
             arg("--radius", help="the domain (-R, R)^n (default: 1)"),
             arg("--epsilons", help="comma-separated (default: 1e-1,1e-2,1e-3,1e-4,1e-5,1e-6)"),
             arg("--out", help="also plot, as PNG and SVG (default: no plot)")),
            r.render_converge),
    Command(("sweep",), "train a grid of networks, batched, into a resumable SQLite store", "sweep",
            (arg("--target", required=True,
                 help="product:N, poly:EXPR, radial:PHI:D (phi(|x|), x uniform in the unit ball; radial:PHI:D:R "
                      "for the ball |x| <= R; radial:PHI:D[:R]:radius for |x| ~ U[0, R] with a uniform direction) "
                      "or ball:D (1{|x| <= 1}, |x| ~ U[0, 2]; ball:D:R for U[0, R]) (required)"),
             arg("--layers", required=True, help="comma-separated hidden-layer counts, e.g. 1,2,3 (required)"),
             arg("--widths", required=True, help="comma-separated widths, e.g. 8,16,32 (required)"),
             arg("--activation", help="comma-separated, e.g. tanh,relu (default: tanh)"),
             arg("--seeds", help="comma-separated integers >= 0, e.g. 0,1,2 (default: 0)"),
             *training_args(batch_size="figure2's preset uses 128 (see its help)",
                            test_size="figure2's quick preset uses 20 000 (see its help)"),
             arg("--init", help="where training starts: random (nn.Linear's draw), glorot (Glorot's draw, x sqrt(2) "
                                "for relu: a deep stack keeps its signal), or an explicit network of the target: "
                                "log-exp:log=L,exp=E,c=C[,top=T] (L neurons per log piece, E in the exp piece) or "
                                "log-exp:eps=E (the epsilon rule's), embedded into the width (default: random)"),
             arg("--store", help=STORE_HELP.format("runs.db")),
             *RUN_ARGS),
            r.render_sweep),
    Command(("runs",), "the results store as a table, CSV or JSON", "runs",
            (arg("--store", help=STORE_HELP.format("runs.db")),
             arg("--csv", dest="fmt", action="store_const", const="csv", help="CSV (default: a table)"),
             arg("--json", dest="fmt", action="store_const", const="json", help="JSON (default: a table)"),
             arg("--out", help="write CSV or JSON (by its suffix, or --csv/--json) to a file (default: stdout)")),
            r.render_runs, json=False, render_with=("fmt", "out")),
    Command(("figure2",), "the paper's Figure 2: depth x width sweep for the product of 20 inputs, then its heatmap",
            "figure2",
            (mode("quick", "6 depths x 5 widths x 4 seeds, 50 000 steps of 128 points, 20 000 test points: minutes on a "
                      "CPU (default). The batch and test sizes differ from sweep's defaults on purpose: the "
                      "heavy-tailed target rewards many small steps, and 20 000 points put the MAE's standard "
                      "error near 0.02, enough for a quick grid"),
             mode("full", "the paper's 20 x 20 grid, tanh and relu, 60 000 steps, 100 000 test points; hours, resumable (default: --quick)"),
             arg("--store", help=STORE_HELP.format("figure2.db")),
             arg("--out", help="the heatmap, PNG and SVG (default: figure2.png)"),
             arg("--init", help="starting weights: glorot (Glorot's draw, x sqrt(2) for relu) or random (nn.Linear's "
                                "draw, from which nets of 12+ relu or 18+ tanh layers stay at the constant predictor) "
                                "(default: glorot)"),
             *RUN_ARGS),
            r.render_sweep),
    Command(("expressible",), "Figure 2 beside what its cells can express: the best log-exp network per cell, "
                              "and training started from it", "expressible",
            (mode("quick", "Figure 2's quick grid (default)"),
             mode("full", "the paper's 20 x 20 grid: hours (default: --quick)"),
             arg("--store", help="Figure 2's store, trained first where runs are missing (default: figure2.db)"),
             arg("--cells", help="the constructions measured per cell, JSON; read when finished (default: expressible.json)"),
             arg("--out", help="the two heatmaps on one colour scale, PNG and SVG (default: expressible.png)"),
             arg("--warm-store", help="the store of the runs started from the constructions (default: warmstart.db)"),
             arg("--no-warm-start", dest="warm_start", action="store_false", default=None,
                 help="constructions and figure only, no training from them (default: warm starts on)"),
             *RUN_ARGS),
            r.render_expressible),
    Command(("atlas",), "Conjecture 5.2 tested: the smallest width k-layer nets need for x1...xn, per (n, k)",
            "atlas",
            (mode("quick", "k = 1..3, n from 2 up until every depth is past the width cap 128 (n = 7 here), 4 seeds, "
                           "10 000 Adam steps of 256: minutes on a CPU (default)"),
             mode("full", "n = 2..24, k = 1..6, widths up to 8192, 40 000 steps of 1024: hours, meant for a GPU "
                          "or Ray, resumable (default: --quick)"),
             arg("--target", help="'product' (the family over n) or one target: product:N, poly:EXPR, radial:PHI:D "
                                  "(default: product)"),
             arg("--n", help="comma-separated n of the product family (default: the preset's)"),
             arg("--layers", help="comma-separated hidden-layer counts k (default: the preset's)"),
             arg("--threshold", help="test RMSE / std of the target to reach, in (0, 1) (default: the preset's)"),
             arg("--seeds", help="comma-separated integers >= 0; a width counts when every seed reaches the "
                                 "threshold (default: the preset's)"),
             arg("--steps", help="optimizer steps per model (default: the preset's)"),
             arg("--max-width", help="the largest width probed; beyond it a cell reads '> cap' (default: the preset's)"),
             arg("--domain", help="inputs uniform on a:b (default: the preset's)"),
             arg("--store", help=STORE_HELP.format("atlas.db")),
             arg("--out", help="the figure, PNG and SVG (default: atlas.png)"),
             arg("--budget-check", action="store_true", default=None,
                 help="after the atlas, search its two largest n again at twice the steps: does the minimal "
                      "width move? (default: off)"),
             *RUN_ARGS),
            r.render_atlas),
    Command(("logexp-sizes",), "neurons of x1...xn at a fixed epsilon: the log-exp construction beside the Thm 5.1 tree",
            "logexp_sizes",
            (mode("quick", "n = 2..20 at epsilon 0.1 and 0.01, and 1/epsilon at n = 20: under a minute (default)"),
             mode("full", "every n = 2..24: tens of minutes (one plan at n >= 22, epsilon 0.01 on 0:2 takes "
                          "minutes) (default: --quick)"),
             arg("--n", help="comma-separated n (default: the preset's)"),
             arg("--epsilons", help="comma-separated accuracies, in --metric (default: 0.1,0.01)"),
             arg("--domains", help="comma-separated boxes a:b, e.g. 0:2,-1:1; write --domains=-1:1 for one box "
                                   "starting with a minus (default: 0:2,-1:1)"),
             arg("--metric", choices=list(METRICS), help="what epsilon bounds: sup on the box, or MAE / RMSE under "
                                                         "U[a, b]^n (default: mae)"),
             arg("--activation", help="tanh, sigmoid, softplus, relu, or exp on a box with a >= 0 (default: tanh)"),
             arg("--sweep-n", help="n of the neurons-vs-1/epsilon panel, on the first box (default: 20)"),
             arg("--sweep-epsilons", help="comma-separated epsilons of that panel (default: 0.5,0.2,0.1,0.05,0.02,0.01)"),
             arg("--out", help="the figure, PNG and SVG (default: logexp_sizes.png)"),
             arg("--cache", help="finished plans, JSON: read first, written after each plan, so a killed run "
                                 "resumes (default: logexp_sizes.json)"),
             arg("--no-progress", dest="progress", action="store_false", default=None,
                 help="no progress line per plan on stderr (default: one line per plan, with an ETA)")),
            r.render_logexp_sizes),
    Command(("report",), "both papers in one page: every numbered claim beside the check that tests it",
            "report",
            (mode("quick", "every section at a scale a laptop CPU finishes in minutes (default)"),
             mode("full", "the faithful presets: hours, meant for a GPU or Ray, resumable (default: --quick)"),
             mode("smoke", "tiny grids: a test of the pipeline in seconds, not a result (default: --quick)"),
             arg("--out", required=True, help="the folder for report.html, report.md, claims.json and figures/ (required)"),
             arg("--store-dir", help="the folder of the experiments' stores, resumed when present (default: .)"),
             arg("--sections", help="comma-separated section keys (default: all)"),
             *RUN_ARGS),
            r.render_report),
    Command(("doctor",), "versions, device, threads, cores and Ray: what a bug report needs", "doctor",
            (), r.render_doctor),
    Command(("radial", "build"), "an explicit ReLU network for phi(|x|) on the ball, verified", "radial_build",
            (arg("--phi", required=True, help="a function of t, e.g. 'cos(t)', 'abs(sin(2*t))/2' (required)"),
             arg("--dim", required=True, help="the input dimension d (required)"),
             arg("--radius", help="the ball |x| <= R (default: 1)"),
             arg("--epsilon", help="sup error to reach (default: 0.01)"),
             arg("--layers", choices=["1", "2"], help="1 (ridge functions and a sphere rule) or 2 (|x|^2, then "
                                                    "phi(sqrt s), Eldan-Shamir) hidden layers (default: 2)"),
             arg("--activation", help="relu (default: relu)"),
             arg("--lipschitz", help="override the computed Lipschitz constant of phi on [0, R] (default: computed)"),
             arg("--out", help="write the network: .json, .onnx, .pt or .pt2 (default: not written)")),
            r.render_radial),
    Command(("radial", "sizes"), "neurons of the radial constructions for each (d, epsilon), by formula",
            "radial_sizes",
            (arg("--phi", required=True, help="a function of t (required)"),
             arg("--layers", help="1, 2 or 1,2 (default: 1,2)"),
             arg("--dims", help="comma-separated (default: 1,2,4,8,16,32)"),
             arg("--epsilons", help="comma-separated (default: 0.1,0.05,0.02,0.01)"),
             arg("--radius", help="the ball |x| <= R (default: 1)"),
             arg("--lipschitz", help="override the computed Lipschitz constant (default: computed)"),
             arg("--out", help="also plot, as PNG and SVG (default: no plot)")),
            r.render_radial_sizes),
    Command(("radial", "experiment"), "train 1- and 2-hidden-layer networks on radial targets for growing d",
            "radial_experiment",
            (arg("--phis", help="';'-separated functions of t; D stands for the dimension d "
                                "(default: cos(pi*t); sin(2*pi*D*t); sin(2*pi*D^3*t^2)/(2*pi*D^3))"),
             arg("--dims", help="comma-separated (default: 2,4,8,16)"),
             arg("--widths", help="comma-separated (default: 8,16,32,64,128)"),
             arg("--steps", help="optimizer steps (default: 4000)"),
             arg("--seeds", help="comma-separated integers >= 0: errors are means over seeds, min/max kept (default: 0)"),
             arg("--distribution", choices=["radius", "ball"],
                 help="inputs: radius = |x| ~ U[0, 1] with a uniform direction, the same law of |x| for every d; "
                      "ball = uniform in the unit ball, where |x| concentrates near 1 as d grows (default: radius)"),
             arg("--store", help=STORE_HELP.format("radial.db")),
             arg("--out", help="also plot, as PNG and SVG (default: no plot)"),
             *RUN_ARGS),
            r.render_radial_experiment),
    Command(("radial", "indicator"), "Safran-Shamir 2017: the unit-ball indicator learned at depth 2 vs depth 3",
            "radial_indicator",
            (arg("--dims", help="comma-separated dimensions (default: 2,10,100; --paper: 100)"),
             arg("--widths", help="comma-separated (default: 25,50,100,200,400; --paper: 100,200,400,800)"),
             arg("--layers", help="hidden layers: 1 is the paper's depth 2, 2 its depth 3 (default: 1,2)"),
             arg("--steps", help="batches (default: 3000; --paper: 135000)"),
             arg("--seeds", help="comma-separated integers >= 0 (default: 0)"),
             arg("--paper", action="store_true", default=None,
                 help="the paper's scale: d=100, widths 100-800, 135000 batches, 50000 test points "
                      "(hours on a CPU) (default: the quick preset)"),
             arg("--batch-size", help="points per batch (default: 100, the paper's)"),
             arg("--lr", help="Adam's learning rate (default: 1e-3)"),
             arg("--radius", help="inputs have |x| ~ U[0, R], R > 1 (default: 2, the paper's)"),
             arg("--test-size", help="test points (default: 8192; --paper: 50000)"),
             arg("--store", help=STORE_HELP.format("indicator.db")),
             arg("--out", help="also plot, as PNG and SVG (default: no plot)"),
             *RUN_ARGS),
            r.render_indicator),
    Command(("bench", "train"), "the batched training engine against the naive one-model-at-a-time loop",
            "bench_train",
            (arg("--steps", help="steps per model (default: 2000)"),
             arg("--quick", action="store_true", default=None, help="200 steps, 10 000 test points (default: off)"),
             arg("--test-size", help="test points (default: 100 000)"),
             arg("--naive-threads", help="torch threads of the naive loop (default: 1)"),
             arg("--repeat", help="time the engine this many times; the best counts (default: 1)"),
             arg("--naive-repeat", help="time the naive loop this many times (default: 1)"),
             arg("--skip-naive", action="store_true", default=None, help="time the engine only (default: off)")),
            r.render_bench),
    Command(("plot", "figure1"), "Figure 1: optimal b_i vs n for k = 1, 2, 3 (log-log)", "figure1",
            (arg("--out", required=True, help="output file, .png or .svg; both are written (required)"),
             arg("--n-max", help="largest n (default: 10 000)")),
            r.render_paths, json=False),
    Command(("plot", "heatmap"), "Figure 2's heatmap from a results store", "plot_heatmap",
            (arg("--store", help=STORE_HELP.format("runs.db")),
             arg("--target", help="the target drawn (default: product:20)"),
             arg("--activation", help="the activation drawn (default: tanh)"),
             arg("--out", required=True, help="output file, .png or .svg; both are written (required)"),
             *(arg(flag, help=f"draw only runs trained with this {what} (default: the setup with the most runs)")
               for flag, what in (("--steps", "number of steps"), ("--batch-size", "batch size"),
                                  ("--lr", "learning rate"), ("--optimizer", "optimizer"), ("--loss", "loss"),
                                  ("--domain", "input domain a:b"), ("--test-size", "test size"),
                                  ("--init", "initialisation, random or glorot")))),
            r.render_heatmap),
)


def find(path: tuple[str, ...]) -> Command:
    return next(c for c in COMMANDS if c.path == path)
