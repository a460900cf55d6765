import numpy as np
import pytest

from cvgeo.evaluation import Descriptors, evaluate_descriptors
from cvgeo.plotting.evaluation_plots import write_evaluation_plots
from cvgeo.plotting.retrieval_grid_plot import plot_retrieval_grid

pytest.importorskip("matplotlib")


def _png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_plots_for_cvusa_and_crosslocate(tmp_path):
    rng = np.random.default_rng(0)
    query = rng.standard_normal((40, 8)).astype(np.float32)
    xy = rng.random((40, 2)) * 500
    d = Descriptors(query=query, reference=query + rng.standard_normal((40, 8)).astype(np.float32), query_xy=xy,
                    reference_xy=xy, query_yaw=np.zeros(40), reference_yaw=np.zeros(40))
    written = []
    for protocol in ("cvusa", "crosslocate"):
        written += write_evaluation_plots(evaluate_descriptors(d, protocol, top_k=5), d, str(tmp_path))
    names = sorted(p.split("/")[-1] for p in written)
    assert names == sorted([
        "cvusa_recall_curve.png", "cvusa_retrieval_grid.png", "crosslocate_position_distance_recall.png",
        "crosslocate_position_yaw_distance_recall.png", "crosslocate_retrieval_grid.png",
    ])
    for name in names:
        width, height = _png_size(tmp_path / name)
        assert width > 300 and height > 200


def test_retrieval_grid_with_images(tmp_path):
    images = np.random.default_rng(1).integers(0, 255, (6, 8, 8, 3)).astype(np.uint8)
    path = plot_retrieval_grid(str(tmp_path / "g.png"), np.array([[1, 0], [2, 1]]), ground_truth=np.array([0, 1]),
                               query_images=images, reference_images=images)
    assert _png_size(tmp_path / "g.png")[0] > 100 and path.endswith("g.png")


def test_retrievals_figure_marks_the_true_reference(tmp_path, monkeypatch):
    from cvgeo.plotting import retrievals_figure

    rng = np.random.default_rng(2)
    panoramas = {row: rng.integers(0, 255, (16, 64, 3)).astype(np.uint8) for row in range(2)}
    tiles = {index: rng.integers(0, 255, (32, 32, 3)).astype(np.uint8) for index in range(8)}
    top = np.array([[0, 3, 4, 5, 6], [2, 3, 4, 5, 6]])
    frames = []
    monkeypatch.setattr(retrievals_figure, "_show", lambda axis, image, title, colour: frames.append((title, colour)))
    path = retrievals_figure.plot_retrievals(str(tmp_path / "r.png"), panoramas, tiles, top, np.array([0, 1]),
                                             np.array([0, 7]), 8)
    assert _png_size(tmp_path / "r.png")[0] > 300 and path.endswith("r.png")
    # Query 0 found its tile first; query 1's true tile is shown after the top 5 with its rank.
    assert ("#1: 0", "green") in frames and ("true 1: rank 8", "green") in frames
    assert sum(colour == "green" for _, colour in frames) == 2 and sum(colour == "red" for _, colour in frames) == 9
