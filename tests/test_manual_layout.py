import cv2
import numpy as np
import pytest

from tfds_builders.manual_layout import CorruptImageReport, ManualLayoutError, decode_image, require_files


def _write_jpeg(path, value=128):
    image = np.full((8, 8, 3), value, np.uint8)
    assert cv2.imwrite(str(path), image)


def test_require_files_lists_first_twenty_and_count(tmp_path):
    names = [f"img/{i:03d}.jpg" for i in range(25)]
    with pytest.raises(ManualLayoutError) as error:
        require_files(str(tmp_path), names, dataset="demo", pattern="img/<id>.jpg", source="by e-mail")
    message = str(error.value)
    assert "25 expected file(s) missing" in message
    assert "img/019.jpg" in message and "img/020.jpg" not in message
    assert "and 5 more" in message and "img/<id>.jpg" in message and "by e-mail" in message


def test_require_files_passes_when_present(tmp_path):
    _write_jpeg(tmp_path / "a.jpg")
    require_files(str(tmp_path), ["a.jpg"], dataset="demo", pattern="x", source="y")


def test_truncated_jpeg_is_corrupt(tmp_path):
    good, bad = tmp_path / "good.jpg", tmp_path / "bad.jpg"
    _write_jpeg(good, 200)
    bad.write_bytes(good.read_bytes()[:-40])
    pixels = decode_image(str(good))
    assert pixels.shape == (8, 8, 3) and abs(int(pixels.mean()) - 200) <= 2
    assert decode_image(str(bad)) is None
    assert decode_image(str(tmp_path / "absent.jpg")) is None


def test_corrupt_report_raises_or_skips(tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not an image")
    with pytest.raises(ManualLayoutError, match="skip_corrupt"):
        CorruptImageReport("demo", skip_corrupt=False).load(str(bad))
    report = CorruptImageReport("demo", skip_corrupt=True)
    assert report.load(str(bad)) is None
    assert "skipped 1 corrupt" in report.summary()
