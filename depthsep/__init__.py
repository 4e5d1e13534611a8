"""depthsep — how deep is deep enough?"""

__version__ = "0.1.0"
