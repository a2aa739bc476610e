"""Opening an ONNX Runtime session for a model file, with errors that name the setting."""

from __future__ import annotations

from pathlib import Path

import onnxruntime as ort

from lpr.models import ModelError


def session_options(threads: int) -> ort.SessionOptions:
    options = ort.SessionOptions()
    options.intra_op_num_threads = max(0, threads)  # 0: onnxruntime decides (all cores)
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only
    # Each session has its own pool of intra-op threads, and by default they spin for a while after each
    # operator, waiting for the next. The reader runs four sessions one after another (the detector, its mask
    # prototypes, the recogniser, the Korean one): the idle pools' spinning took the cores from the busy one.
    # `tsnvr lpr read` on the BR photos, two cores, all of them: median 111 ms a photo spinning, 56 ms not
    # (one thread: 80 ms).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def open_session(model: Path | bytes, setting: str, threads: int, path: Path | None = None) -> ort.InferenceSession:
    """A CPU session for a model file (or its bytes, after an in-memory edit); ModelError if it cannot load."""
    try:
        source = model if isinstance(model, bytes) else str(model)
        return ort.InferenceSession(source, session_options(threads), providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types for bad files
        shown = path if path is not None else (None if isinstance(model, bytes) else model)
        raise ModelError(setting, shown, f"not a usable ONNX model: {str(exc).strip().splitlines()[0][:200]}") from exc
