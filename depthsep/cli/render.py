"""Renderers: a command's result dict → the table it prints (``--json`` prints the dict itself)."""

from __future__ import annotations

from ..text import format_value, key_values, table


def render_polynomial(r: dict) -> str:
    rows = [
        ("polynomial", r["polynomial"]), ("variables", ", ".join(r["variables"]) or "-"),
        ("degree", r["degree"]), ("sparsity", r["sparsity"]), ("homogeneous", r["homogeneous"]),
    ]
    return key_values(rows)


def render_bounds(r: dict) -> str:
    best = r["best_upper"]
    rows = [
        ("polynomial", r["polynomial"], ""),
        ("variables", ", ".join(r["variables"]) or "-", f"n = {r['n']}"),
        ("degree", r["degree"], ""),
        ("sparsity", r["sparsity"], "monomials, the paper's c"),
        ("derivative_rank", r["derivative_rank"], r.get("derivative_rank_why") or f"dim span of all ∂^α p (App. 7.3), over {format_value(r['derivative_count'])} derivatives"),
        ("thm43_lower", r["thm43_lower"], "Thm 4.3(i): max_j m1(q_j) / c"),
        ("coefficient_lower", r["coefficient_lower"], r.get("coefficient_lower_why") or "Thm 4.4: max coefficient of ∏(1+y+…+y^r_i)"),
        ("shallow_lower", r["shallow_lower"], "best proved lower bound on m1_uniform(p)"),
        ("shallow_upper", r["shallow_upper"], "neurons of the 1-hidden-layer construction (Thm 4.1(i) / Prop 4.5)"),
        ("deep_upper", r["deep_upper"], f"neurons of the deep network built (the formula of Thm 4.1(ii) / 4.3(ii) gives {format_value(r['deep_formula'])})"),
        ("best_upper", best["neurons"], f"{best['layers']} hidden layer(s), --layers {best['construction']}: the fewest over "
                                       + ", ".join(f"{c['construction']} → {format_value(c['neurons'])}" for c in r["constructions"])),
    ]
    text = key_values(rows)
    low, high = format_value(r["shallow_lower"]), format_value(r["shallow_upper"])
    if r["exact"]:
        text += f"\n\nOne hidden layer needs exactly {low} neurons (the lower bound meets the construction)."
    else:
        text += f"\n\nOne hidden layer needs between {low} and {high} neurons: the bounds leave a gap."
    built_by = f", built by `{best['command']}`" if best["command"] else " (a constant: no network is built for it)"
    text += (f"\nAny depth: at most {format_value(best['neurons'])} neurons{built_by}."
             f"\nAssumes {r['hypothesis']['uniform']} (the Taylor versions: {r['hypothesis']['taylor']}); "
             f"the counts are for the paper model (no biases).")
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
    if r["curve_layers"] is not None:
        lines.append(f"paper's curve W = n^((k-1)/k)·2^(n^(1/k)) ≤ W first at k = {r['curve_layers']}")
    else:
        lines.append(f"paper's curve W = n^((k-1)/k)·2^(n^(1/k)) never ≤ W: least {format_value(r['curve_min_width'])} "
                     f"at k = {r['curve_min_layers']}")
    lines += [f"note: {n}" for n in r["notes"]]
    lines.append(table(["layers", "curve width"], [[c["layers"], c["width"]] for c in r["curve"]]))
    return "\n".join(lines)


def render_activation(r: dict) -> str:
    rows = [[c["k"], c["exact"], c["value"]] for c in r["coefficients"]]
    text = table(["k", "sigma_k (exact)", "value"], rows,
                 title=f"Taylor coefficients of {r['activation']} = {r['expression']} at {r['point']}")
    hyp = [[h["theorem"], h["condition"], h["holds"]] for h in r["hypotheses"]]
    return text + "\n\n" + table(["theorem", "condition", "holds"], hyp)


def render_build(r: dict) -> str:
    if r["construction"] == "log-exp":
        return _render_logexp(r)
    promised = "" if r["promised"] is None else f"the theorem's count: {format_value(r['promised'])}"
    rows = [
        ("target", r["target"], ""),
        ("construction", r["construction"], r["theorem"]),
        ("activation", r["activation"], f"{r['model']} model" + (f", Taylor expansion at {r['expansion_point']}" if r["scale"] is not None else "")),
        ("hidden widths", r["hidden_widths"], f"{r['layers']} hidden layer(s)"),
        ("neurons", r["neurons"], promised),
        ("sup error", f"{r['sup_error']:.3g}", f"on (-{r['radius']:g}, {r['radius']:g})^n" + (f", asked {r['epsilon']:g}" if r["epsilon"] else "")),
        ("precision", r["precision"], "the floating-point type the network was verified in, and needs"),
    ]
    if r["scale"] is not None:
        rows.append(("scale t", f"{r['scale']:.3g}", "δ of each gate = t / (bound on its inputs)"))
    if r.get("knots") is not None:
        rows.append(("knots", r["knots"], "one relu(x - t_j) per knot of the interpolant"))
    if r.get("sawtooth_depth") is not None:
        rows.append(("sawtooth depth m", r["sawtooth_depth"], "Yarotsky's squares: error <= B^2 2^(-2m-1) per product"))
    rows.append(("build time", f"{r['build_s']:.2f} s", ""))
    for path in r.get("out", []):
        rows.append(("written", path, ""))
    return key_values(rows) + (f"\nnote: {r['note']}" if r.get("note") else "")


def _render_logexp(r: dict) -> str:
    where = f"on [{r['domain'].replace(':', ', ')}]^n" if r["metric"] == "sup" else f"under x ~ U[{r['domain'].replace(':', ', ')}]^n"
    measured = f"{r['error']:.3g}" + (f" ± {r['standard_error']:.1g}" if r.get("standard_error") else "")
    rows = [
        ("target", r["target"], ""),
        ("construction", "log-exp", "exp of a sum of per-coordinate logs, sized for one epsilon"),
        ("activation", r["activation"], "bias model"),
        ("hidden widths", r["hidden_widths"], f"{r['layers']} hidden layer(s); log pieces {format_value(r['piece_widths'])} per coordinate by power, exp piece {r['exp_width']}"),
        ("neurons", r["neurons"], f"the rule's count: {r['promised']}"),
        (f"{r['metric']} error", measured, f"measured {where}, asked {r['epsilon']:g}"),
        ("error bound", f"{r['error_bound']:.3g}", ", ".join(f"{k} {v:.2g}" for k, v in r["bound_terms"].items())),
        ("shift c", f"{r['shift_c']:.3g}", "log(x + c) (or log sqrt(x^2 + c^2)) stands for log x"),
        ("precision", r["precision"], "the floating-point type the network was verified in"),
        ("build time", f"{r['build_s']:.2f} s", ""),
    ]
    rows += [("written", path, "") for path in r.get("out", [])]
    return key_values(rows)


def render_verify(r: dict) -> str:
    for metric in ("mae", "rmse"):
        if metric in r:
            return key_values([
                ("network", r["network"], f"{r['activation']}, widths {format_value(r['hidden_widths'])}"),
                ("target", r["target"], ""),
                (metric, f"{r[metric]:.4g}", f"± {r['standard_error']:.2g} (standard error) under x ~ U[{r['domain'].replace(':', ', ')}]^n, "
                                            f"{r['samples']} points, evaluated in {r['precision']}"),
            ])
    where = f"on [{r['domain'].replace(':', ', ')}]^n" if "domain" in r else f"on (-{r['radius']:g}, {r['radius']:g})^n"
    rows = [
        ("network", r["network"], f"{r['activation']}, widths {format_value(r['hidden_widths'])}"),
        ("target", r["target"], ""),
        ("sup_error", f"{r['sup_error']:.3g}", f"{where}, evaluated in {r['precision']}"),
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
    for key in ("best", "worst"):
        cell = r.get(key)
        if cell:
            text += (f"\n{key} cell: {cell['layers']} layer(s) x width {cell['width']} ({cell['activation']}), "
                     f"test MAE {cell['test_mae']:.4g} (mean of {cell['seeds']} seed(s))")
    written = [*r.get("files", []), *r.get("tables", []), *([r["record"]] if r.get("record") else [])]
    return "\n".join([text, *(f"wrote {p}" for p in written)])


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
              f"{r['trained']} trained, {r['skipped']} already in {r['store']}, in {r['train_s']} s")
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
                 f"preset {r['preset']}; {r['trained']} trained, {r['skipped']} already in {r['store']}, in {r['train_s']} s")
    lines += [f"wrote {p}" for p in r.get("figures", [])]
    return "\n".join(lines)


def render_radial_sizes(r: dict) -> str:
    rows = [[row["layers"], row["dim"], row["epsilon"], row.get("series", ""), row["neurons"]] for row in r["rows"]]
    text = table(["layers", "dim", "epsilon", "series", "neurons"], rows, title=f"radial construction sizes for phi(t) = {r.get('phi', '')}")
    return "\n".join([text, *(f"wrote {p}" for p in r.get("files", r.get("figures", [])))])


def render_atlas(r: dict) -> str:
    """The minimal-neuron table, the exponent fitted per k with the verdict, and what was trained;
    with --budget-check, how each frontier cell's minimal width moved at twice the steps."""
    if "budget" in r:
        b = r["budget"]
        rows = [[row["n"], row["layers"], row["min_width"], row["longer_min_width"], row["grid_steps"]]
                for row in b["rows"]]
        title = (f"minimal width at {b['steps']} and at {b['longer_steps']} steps "
                 f"(relative RMSE <= {b['threshold']:g}; grid steps of sqrt 2, negative: fewer neurons)")
        text = table(["n", "k", f"W @ {b['steps']}", f"W @ {b['longer_steps']}", "change"], rows, title=title)
        summary = ", ".join(f"{count} {what}" for what, count in b["summary"].items() if count)
        return "\n".join([text, "", f"{summary}; {b['trained']} trained in {b['wall_s']} s"])
    from ..experiments.atlas import atlas_table

    fits = [[f["layers"], f.get("beta"), f.get("beta_low"), f.get("beta_high"), f"{1 / f['layers']:.3g}",
             f["verdict"]] for f in r["fits"]]
    lines = [atlas_table(r), "",
             table(["k", "beta", "low", "high", "1/k (Conj. 5.2)", "verdict"], fits,
                   title="log2 m = a n^beta + c fitted per k, bootstrap interval"),
             "", f"{r['trained']} trained ({r['rounds']} rounds) into {r['store']} in {r['wall_s']} s"]
    return "\n".join([*lines, *(f"wrote {p}" for p in r.get("files", []))])


def render_logexp_sizes(r: dict) -> str:
    from ..experiments.logexp_sizes import logexp_sizes_table

    return "\n".join([logexp_sizes_table(r), *(f"wrote {p}" for p in r.get("files", []))])


def render_expressible(r: dict) -> str:
    from ..experiments.expressible import render_table

    return "\n".join([render_table(r["rows"]), "", f"constructions: {r['cells']}",
                      *(f"wrote {p}" for p in r.get("files", []))])


def render_report(r: dict) -> str:
    """Each claim's status and the command that checks it, then the counts and the files written."""
    rows = [[c["id"], c["status"], c["command"]] for c in r["claims"]]
    failed = [f"section {s['title']} failed: {s['error']}" for s in r["sections"] if s["status"] != "ok"]
    counts = ", ".join(f"{n} {status}" for status, n in r["counts"].items() if n)
    return "\n".join([table(["claim", "status", "check"], rows, title=f"report ({r['mode']})"), "", *failed,
                      f"{counts}; {r['trained']} models trained; {r['wall_s']} s",
                      f"wrote {r['html']}", f"wrote {r['markdown']}", f"wrote {r['claims_json']}"])


def render_paths(paths: list[str]) -> str:
    return "\n".join(f"wrote {p}" for p in paths)


def render_runs(rows: list[dict], fmt: str | None = None, out: str | None = None) -> str:
    """A table of the store's main columns (CSV or JSON with --csv/--json; nothing when written to --out)."""
    if out is not None:
        return f"wrote {len(rows)} rows to {out}"
    if fmt is not None:
        from ..train.store import format_rows

        return format_rows(rows, fmt).rstrip("\n")
    columns = ["target", "activation", "layers", "width", "seed", "init", "steps", "batch_size", "optimizer", "loss",
               "test_mae", "test_rmse", "status", "wall_s"]
    return table(columns, [[row.get(c) for c in columns] for row in rows], title=f"{len(rows)} runs")


def render_doctor(r: dict) -> str:
    rows = [(name, version) for name, version in r["versions"].items()]
    rows += [
        ("platform", r["platform"]),
        ("processor", r["processor"]),
        ("device", r["device"] + (f" ({', '.join(r['gpus'])}; CUDA {r['cuda_version']})" if r["gpus"] else "")),
        ("torch threads", f"{r['torch_threads']} (interop {r['torch_interop_threads']})"),
        ("cpus", f"{r['usable_cpus']} usable of {r['cpu_count']}"),
        ("cpu training step", r["cpu_step"]),
        ("cpu matmul", r["hidden_layer_matmul"] + (f" — {r['blas_note']}" if r["blas_note"] else "")),
        ("ray backend", "available" if r["ray"]["available"] else f"unavailable — {r['ray']['note']}"),
    ]
    return key_values(rows)


def render_heatmap(r: dict) -> str:
    def describe(setup: dict) -> str:
        return ", ".join(f"{k} {v}" for k, v in setup.items() if k != "runs")

    lines = [f"drawn: {describe(r['setup'])}",
             f"baseline: the best constant predictor ({r['baseline']['constant']:.4g}) has test MAE "
             f"{r['baseline']['mae']:.4g} on these {format_value(r['baseline']['test_size'])} points"]
    lines += [f"left out: {describe(s)} ({s['runs']} runs; choose it with its options)" for s in r["setups_left_out"]]
    return "\n".join(lines + [f"wrote {p}" for p in [*r["files"], r["table"]]])


def render_bench(r: dict) -> str:
    """The benchmark's figures: each side's best wall time and rate, the speed-up (only when the naive
    loop ran), agreement between the two, and the matmul rates that bound the engine."""
    lines = [r["grid"], f"engine's CPU step: {r['step']}", f"torch-step's hidden-layer matmul: {r['matmul']}", ""]
    rows = [[s["side"], s["wall_s"], s["model_steps_per_s"],
             None if s.get("speedup") is None else f"{s['speedup']:.1f}x", s["gflops"],
             f"{s['fraction_of_peak']:.1%}", s["mean_test_mae"], s["diverged"]]
            for s in r["sides"]]
    lines.append(table(["side", "wall s", "model-steps/s", "speed-up", "GFLOP/s", "of peak", "mean test_mae",
                        "diverged"], rows))
    if r.get("fused_speedup") is not None:
        lines.append(f"fused step: {r['fused_speedup']:.2f}x the torch step (each side timed whole: start-up and the "
                     "fused step's compilation, once per machine and 0.5-1 s beside torch's import, included; GFLOP/s count the real, "
                     "unpadded models)")
    if r.get("speedup") is None:
        lines.append("speed-up: not measured (--skip-naive)")
    if r.get("median_relative_difference") is not None:
        lines.append(f"per-model |engine - naive| / naive test_mae: median {r['median_relative_difference']:.2e} "
                     "(same init and batches; L1's sign makes long runs drift apart)")
    lines.append("")
    lines.append("matmul, 2048^2 float32 (GFLOP/s): " + ", ".join(f"{k} {v:.0f}" for k, v in r["matmul_gflops"].items()))
    lines.append(f"engine, real models: {r['engine_gflops']:.1f} GFLOP/s = {r['fraction_of_peak']:.1%} of the "
                 f"machine's measured {r['peak_gflops']:.0f}")
    lines.append(f"load average: {r['load_start']:.2f} at the start, {r['load_end']:.2f} at the end "
                 "(other jobs on the machine slow both sides)")
    return "\n".join(lines)
