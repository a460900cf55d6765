"""Decoded CVUSA-sized pairs per second: cvgeo's tf.data pipeline vs the originals' sequential reader.

Writes `--pairs` synthetic CVUSA-sized pairs (224x1232 panorama and 750x750 aerial JPEGs, textured
so they compress like photographs) in the original layout to a temporary folder, then measures in
the same process, alternating, `--repeats` times each:

- opencv: the originals' reader (CVM-Net `input_data.py`): a Python loop of cv2.imread of both
  images, cv2.resize of the aerial to 512x512 with INTER_AREA, conversion to float32, batches of 12;
- files: cvgeo's map (exact JPEG decode, OpenCV-equal INTER_AREA) over the same files with tf.data,
  parallel (AUTOTUNE) and prefetched;
- tfds: the real path: the `cvusa/raw` TFDS records (built once, not timed) -> `map_pair_inputs` ->
  batch -> prefetch.

    python benchmarks/input_pipeline.py --pairs=240 --repeats=5
"""

import argparse
import os
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from cvgeo.data.pair_inputs import PairInputOptions, map_pair_inputs  # noqa: E402

BATCH = 12  # the originals' batch size
OPTIONS = PairInputOptions(query_shape=(224, 1232), reference_shape=(512, 512))


def _photo_like(rng: np.random.Generator, rows: int, columns: int) -> np.ndarray:
    """Smooth colour field plus fine noise: compresses to roughly the size of a real photo JPEG."""
    coarse = rng.integers(0, 256, (rows // 16, columns // 16, 3), dtype=np.uint8)
    smooth = cv2.resize(coarse, (columns, rows), interpolation=cv2.INTER_CUBIC).astype(np.int16)
    return np.clip(smooth + rng.integers(-12, 13, smooth.shape), 0, 255).astype(np.uint8)


def write_pairs(folder: str, count: int) -> list[tuple[str, str]]:
    """CVUSA layout with `count` pairs; returns (aerial, panorama) paths in list order."""
    rng = np.random.default_rng(0)
    for sub in ("bingmap/19", "streetview/panos", "splits"):
        os.makedirs(os.path.join(folder, sub), exist_ok=True)
    pairs, lines = [], []
    for index in range(count):
        item = f"{index + 1:07d}"
        aerial, ground = f"bingmap/19/{item}.jpg", f"streetview/panos/{item}.jpg"
        cv2.imwrite(os.path.join(folder, aerial), _photo_like(rng, 750, 750), [cv2.IMWRITE_JPEG_QUALITY, 90])
        cv2.imwrite(os.path.join(folder, ground), _photo_like(rng, 224, 1232), [cv2.IMWRITE_JPEG_QUALITY, 90])
        pairs.append((os.path.join(folder, aerial), os.path.join(folder, ground)))
        lines.append(f"{aerial},{ground},streetview/annotations/{item}.png")
    for name in ("train-19zl.csv", "val-19zl.csv"):
        with open(os.path.join(folder, "splits", name), "w") as handle:
            handle.write("\n".join(lines) + "\n")
    return pairs


def opencv_reader(pairs: list[tuple[str, str]]) -> int:
    """The originals' loop; returns the number of pairs read."""
    done = 0
    for start in range(0, len(pairs), BATCH):
        chunk = pairs[start : start + BATCH]
        aerial_batch = np.zeros((len(chunk), 512, 512, 3), np.float32)
        ground_batch = np.zeros((len(chunk), 224, 1232, 3), np.float32)
        for i, (aerial_path, ground_path) in enumerate(chunk):
            aerial = cv2.imread(aerial_path)
            aerial_batch[i] = cv2.resize(aerial, (512, 512), interpolation=cv2.INTER_AREA).astype(np.float32)
            ground_batch[i] = cv2.imread(ground_path).astype(np.float32)
        done += len(chunk)
    return done


def files_pipeline(pairs: list[tuple[str, str]]) -> tf.data.Dataset:
    def decode(aerial_path, ground_path):
        decode_jpeg = lambda path: tf.io.decode_jpeg(tf.io.read_file(path), channels=3, dct_method="INTEGER_ACCURATE")
        aerial, ground = decode_jpeg(aerial_path), decode_jpeg(ground_path)
        aerial.set_shape((750, 750, 3))
        ground.set_shape((224, 1232, 3))
        return {"aerial": aerial, "ground": ground}

    aerial_paths, ground_paths = zip(*pairs)
    examples = tf.data.Dataset.from_tensor_slices((list(aerial_paths), list(ground_paths)))
    examples = examples.map(decode, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return map_pair_inputs(examples, OPTIONS).batch(BATCH).prefetch(tf.data.AUTOTUNE)


def tfds_pipeline(manual_dir: str, tfds_dir: str) -> tf.data.Dataset:
    import tensorflow_datasets as tfds

    import tfds_builders  # noqa: F401

    builder = tfds.builder("cvusa/raw", data_dir=tfds_dir)
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=manual_dir))
    examples = builder.as_dataset(split="test")
    return map_pair_inputs(examples, OPTIONS).batch(BATCH).prefetch(tf.data.AUTOTUNE)


def count_pairs(dataset: tf.data.Dataset) -> int:
    return sum(int(batch["query"].shape[0]) for batch in dataset)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=240)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        manual = os.path.join(folder, "CVUSA")
        pairs = write_pairs(manual, args.pairs)
        start = time.perf_counter()
        tfds_data = tfds_pipeline(manual, os.path.join(folder, "tfds"))
        build_seconds = time.perf_counter() - start
        files_data = files_pipeline(pairs)
        count_pairs(files_data.take(2))  # trace the maps once before timing
        count_pairs(tfds_data.take(2))
        runs = {"opencv": lambda: opencv_reader(pairs), "files": lambda: count_pairs(files_data), "tfds": lambda: count_pairs(tfds_data)}
        rates = {name: [] for name in runs}
        for _ in range(args.repeats):
            for name, run in runs.items():
                start = time.perf_counter()
                done = run()
                rates[name].append(done / (time.perf_counter() - start))
                assert done == args.pairs, (name, done)
    print(f"{args.pairs} pairs, ground 224x1232 + aerial 750x750 JPEG -> 512x512, batches of {BATCH}, "
          f"{os.cpu_count()} CPU cores; cvusa/raw TFDS build (checks + records): {build_seconds:.1f} s")
    for name, values in rates.items():
        spread = statistics.stdev(values) if len(values) > 1 else 0.0
        print(f"{name:7s} median {statistics.median(values):6.1f} pairs/s  (runs: {', '.join(f'{v:.1f}' for v in values)}; sd {spread:.1f})")
    base = statistics.median(rates["opencv"])
    for name in ("files", "tfds"):
        print(f"ratio {name}/opencv (medians): {statistics.median(rates[name]) / base:.2f}x")


if __name__ == "__main__":
    main()
