"""Metrics JSON files, written atomically (a temporary file renamed into place)."""

import json
import os
import tempfile


def write_metrics(path: str, metrics: dict) -> None:
    """Writes `metrics` as indented JSON to `path`; a reader never sees a half-written file."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".metrics-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(metrics, stream, indent=2, sort_keys=False)
            stream.write("\n")
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def metrics_table(metrics: dict) -> str:
    """The scalar metrics as an aligned two-column table (lists such as curves are left out)."""
    rows = [(key, value) for key, value in metrics.items() if isinstance(value, (int, float, str))]
    width = max((len(key) for key, _ in rows), default=0)
    lines = []
    for key, value in rows:
        text = f"{value:.2f}" if isinstance(value, float) else str(value)
        lines.append(f"{key:<{width}}  {text:>10}")
    return "\n".join(lines)
