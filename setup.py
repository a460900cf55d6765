"""cvgeo: cross-view and cross-modal geo-localization in TensorFlow 2 / Keras 3."""

from setuptools import find_packages, setup

setup(
    name="cvgeo",
    version="0.1.0",
    description="Cross-view geo-localization (CVM-Net, OriCNN, SAFA, CrossLocate) in TensorFlow 2 / Keras 3",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["cvgeo", "cvgeo.*", "tfds_builders", "tfds_builders.*"]),
    package_data={"tfds_builders": ["*/README.md", "*/CITATIONS.bib", "*/checksums.tsv", "*/dummy_data/**/*"]},
    include_package_data=True,
    install_requires=[
        "tensorflow>=2.21",
        "keras>=3",
        "tensorflow-datasets>=4.9",
        "absl-py",
        "numpy",
        "scipy",
        "opencv-python-headless",
        "pyproj",
        "h5py",
        "tqdm",
        "tensorboard",  # tf.summary needs it; tensorflow no longer installs it
        "importlib_resources",  # tensorflow-datasets 4.9 imports it without declaring it
    ],
    extras_require={
        "test": ["pytest", "dill"],  # tfds.testing imports dill without declaring it
        "plots": ["matplotlib"],
        "faiss": ["faiss-cpu"],
        "beam": ["apache-beam"],
    },
)
