import io

from motcua.services import storage


def test_a_file_is_stored_under_its_hash(tmp_path):
    sha256, size, key = storage.store(tmp_path, io.BytesIO(b"hello"))
    assert size == 5
    assert key.endswith(sha256)
    with storage.open_file(tmp_path, key) as f:
        assert f.read() == b"hello"


def test_storing_the_same_bytes_twice_never_rewrites_the_file(tmp_path):
    _, _, key = storage.store(tmp_path, io.BytesIO(b"same"))
    before = (tmp_path / key).stat()
    _, _, again = storage.store(tmp_path, io.BytesIO(b"same"))
    assert again == key
    assert (tmp_path / key).stat().st_ino == before.st_ino
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".upload-")] == []


def test_storage_keys_cannot_walk_out_of_the_store(tmp_path):
    (tmp_path / "secret").write_text("x")
    store = tmp_path / "store"
    store.mkdir()
    try:
        storage.open_file(store, "../secret")
    except FileNotFoundError:
        pass
    else:
        raise AssertionError("a key outside the store was opened")
