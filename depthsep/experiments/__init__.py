"""The experiments, one module each, every one read top to bottom as its passes: a declared preset
(the grid and training setup, each choice with its reason) → the one sweep path into a results store
(:func:`depthsep.train.sweep.run_specs`) → analysis from the store alone → figures and tables.

A finished experiment re-run with the same arguments trains nothing and redraws from its store.
"""
