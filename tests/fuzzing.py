"""Shared by the fuzz tests: hypothesis settings, and text that looks like input."""

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Text that looks like input: the characters of polynomials and formulas, plus anything at all.
ALPHABET = "xyz0123456789+-*/^()., e_" + "abcdefghijklmnopqrstuvw"
texty = st.one_of(st.text(ALPHABET, max_size=30), st.text(max_size=20))
