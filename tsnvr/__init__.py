"""tsnvr: a TS-API compatible NVR / LPR server."""

__version__ = "0.1.0"
