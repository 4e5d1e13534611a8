"""Polynomial → gates → layered network: explicit weights that realise the theorems' neuron counts."""
