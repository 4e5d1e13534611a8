"""Explicit networks: polynomial → plan of gates → circuit → network (see build.py), and the
fixed-accuracy log–exp construction of a monomial (logexp.py).

Only names here: importing this package loads no numerical code, so the command line can offer
the choices without paying for them.
"""

#: ``--construction``: the paper's Taylor gates (the same neurons for every ε) or exp of a sum of logs (one ε).
CONSTRUCTIONS = ("taylor", "log-exp")
#: ``--metric``: sup on the box, or the mean absolute / root-mean-square error under U[a, b]^n.
METRICS = ("sup", "mae", "rmse")
