import cv2
import numpy as np

from cvgeo.inference.query_images import read_query_images


def test_read_query_images_is_rgb_at_model_size(tmp_path):
    image = np.zeros((40, 160, 3), np.uint8)
    image[..., 2] = 200  # BGR red
    cv2.imwrite(str(tmp_path / "q.png"), image)
    read = read_query_images([str(tmp_path / "q.png")], (32, 128))
    assert read.shape == (1, 32, 128, 3) and read[0, 0, 0].tolist() == [200, 0, 0]
