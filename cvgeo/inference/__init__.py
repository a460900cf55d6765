"""Using a trained network: load it from a run folder or checkpoint, describe a split, localize photos.

One concern per module: `run_directory` (a training run's folder), `trained_model`
(`load_trained_model`), `split_descriptors` (`describe_examples`, `describe_split`),
`localization_index` (`LocalizationIndex`, the index file), `index_building` (`build_index`,
`index_split`), `query_images` (`read_query_images`) and `localization` (`localize`,
`format_answers`). This file imports none of them: `run_directory`, `localization_index` and
`query_images` need no TensorFlow, so the command lines use them to check their input first.

Inference sits above models, checkpoints, data and evaluation and never imports training (training
uses it: the run folder layout, and `describe_examples` for validation).
"""
