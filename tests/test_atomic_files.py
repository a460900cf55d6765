import pytest

from cvgeo.atomic_files import atomic_path, write_text_atomically


def test_success_replaces_and_failure_keeps_the_old_file(tmp_path):
    target = tmp_path / "deep" / "metrics.json"
    write_text_atomically(target, "old")
    assert target.read_text() == "old"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as temporary:
            open(temporary, "w").write("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert sorted(p.name for p in target.parent.iterdir()) == ["metrics.json"]
    write_text_atomically(target, "new")
    assert target.read_text() == "new"
