"""Dataset readers and writers: every input format, every way an entry can be bad, resume."""

from __future__ import annotations

import io
import json
import os
import tarfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from bad_images import BLUE, CASES, RED, encode, noise, solid
from PIL import Image

from photogenic.data import (
    METADATA,
    Caption,
    DatasetWriter,
    Item,
    Ledger,
    decode_caption,
    detect_format,
    manifests,
    open_dataset,
    write_subset,
)
from photogenic.errors import PhotogenicError


def by_id(path: Path | str) -> dict[str, Item]:
    items = list(open_dataset(path))
    ids = [item.id for item in items]
    assert len(ids) == len(set(ids)), ids
    return {item.id: item for item in items}


def truncated_webp() -> bytes:
    data = encode(noise(), "WEBP")
    return data[: len(data) // 2]


def write_small_dataset(root: Path) -> None:
    with DatasetWriter(root) as writer:
        writer.add_image("a.png", Image.new("RGB", (4, 4), RED), "a red square", score=0.5)
        writer.add_bytes("sub/b.png", solid(BLUE), "a blue square", score=0.25, tags=["x"])
        writer.add_image("c.jpg", Image.new("RGB", (4, 4), BLUE), "", score=None)


def make_tar(path: Path, members: list[tuple[str, bytes]]) -> Path:
    with tarfile.open(path, "w") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_written_dataset_reads_back_with_text_and_columns(tmp_path: Path) -> None:
    write_small_dataset(tmp_path / "ds")
    assert detect_format(tmp_path / "ds") == "imagefolder"
    items = by_id(tmp_path / "ds")
    assert set(items) == {"a", "sub/b", "c"}
    assert items["sub/b"].file_name == "sub/b.png"
    assert items["sub/b"].text == "a blue square"
    assert items["sub/b"].columns == {"score": 0.25, "tags": ["x"]}
    assert items["c"].text == "" and items["c"].ok  # an empty caption is valid input
    assert all(item.ok for item in items.values())
    assert items["sub/b"].read_bytes() == solid(BLUE)
    assert items["a"].decode().image.getpixel((0, 0)) == RED
    assert [i.id for i in open_dataset(tmp_path / "ds" / METADATA)] == ["a", "sub/b", "c"]


def test_hugging_face_imagefolder_loads_a_written_dataset(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    root = tmp_path / "ds"
    write_small_dataset(root)
    # the run files a command writes beside the images must not confuse the loader
    for name in ("config.yaml", "log.txt", "summary.json", "errors.jsonl"):
        (root / name).write_text("{}\n")
    import datasets

    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True, raising=False)
    ds = datasets.load_dataset(
        "imagefolder", data_dir=str(root), split="train", cache_dir=str(tmp_path / "cache")
    )
    rows = {row["text"]: row for row in ds}
    assert set(rows) == {"a red square", "a blue square", ""}
    assert rows["a blue square"]["score"] == 0.25
    assert rows["a red square"]["image"].convert("RGB").getpixel((0, 0)) == RED


def test_imagefolder_problems_are_items_not_silence(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    root.mkdir()
    (root / "good.png").write_bytes(solid())
    (root / "twice.png").write_bytes(solid())
    (root / "unlisted.png").write_bytes(solid())
    (root / "nested").mkdir()
    (root / "nested" / "stray.jpg").write_bytes(CASES["exif6.jpg"]())
    lines = [
        {"file_name": "good.png", "text": "ok", "score": 1},
        {"file_name": "gone.png", "text": "no file"},
        '{"file_name": "broken.png", "text": ',
        {"text": "no file_name"},
        {"file_name": "../outside.png", "text": "escape"},
        {"file_name": "twice.png", "text": "first"},
        {"file_name": "twice.png", "text": "second"},
        {"file_name": "good.png"},
    ]
    (root / METADATA).write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    )
    items = list(open_dataset(root))
    reasons = [(item.id, item.error) for item in items]
    assert reasons == [
        ("good", None),
        ("gone", "file_missing"),
        ("metadata.jsonl:3", "metadata_invalid_json"),
        ("metadata.jsonl:4", "metadata_missing_field"),
        ("metadata.jsonl:5", "unsafe_path"),
        ("twice", None),
        ("metadata.jsonl:7", "duplicate_file_name"),
        ("metadata.jsonl:8", "duplicate_file_name"),
        ("nested/stray", "not_in_metadata"),
        ("unlisted", "not_in_metadata"),
    ]
    assert "line 3" in items[2].detail
    assert items[0].columns == {"score": 1}


def test_txt_sidecar_captions(tmp_path: Path) -> None:
    root = tmp_path / "pics"
    (root / "deep").mkdir(parents=True)
    (root / "a.png").write_bytes(solid())
    (root / "a.txt").write_bytes("\ufeff  a caf\u00e9 at dusk \n".encode())
    (root / "deep" / "b.jpg").write_bytes(CASES["cmyk.jpg"]())
    (root / "deep" / "b.txt").write_bytes("b".encode("utf-16"))
    (root / "c.png").write_bytes(solid())
    (root / "d.png").write_bytes(solid())
    (root / "d.txt").write_bytes(b"caf\xe9 latin-1")
    (root / "e.png").write_bytes(solid())
    (root / "e.txt").write_bytes(b"   \n")
    (root / "orphan.txt").write_text("nobody's caption")
    assert detect_format(root) == "sidecar"
    items = by_id(root)
    assert items["a"].text == "a caf\u00e9 at dusk" and items["a"].ok
    assert items["deep/b"].text == "b" and items["deep/b"].file_name == "deep/b.jpg"
    assert items["c"].error == "caption_missing"
    assert items["d"].error == "caption_not_utf8" and "0xe9" in items["d"].detail
    assert items["e"].text == "" and items["e"].ok
    assert items["orphan"].error == "image_missing"
    assert len(items) == 6


def test_webdataset_shards(tmp_path: Path) -> None:
    shards = tmp_path / "shards"
    shards.mkdir()
    meta = json.dumps({"caption": "from json", "width_hint": 8}).encode()
    make_tar(
        shards / "shard-000.tar",
        [
            ("s/0001.jpg", CASES["exif6.jpg"]()),
            ("s/0001.txt", b"from txt"),
            ("s/0001.cls", b"3"),
            ("s/0002.png", solid()),
            ("s/0002.json", meta),
            ("s/0003.png", solid()),
        ],
    )
    make_tar(
        shards / "shard-001.tar",
        [("0004.txt", b"lonely caption"), ("0005.webp", truncated_webp()), ("0005.txt", b"x")],
    )
    assert detect_format(shards) == "webdataset"
    items = by_id(shards)
    assert items["s/0001"].text == "from txt" and items["s/0001"].columns == {"cls": "3"}
    assert items["s/0001"].file_name == "s/0001.jpg"
    assert items["s/0001"].read_bytes() == CASES["exif6.jpg"]()
    assert items["s/0002"].text == "from json" and items["s/0002"].columns == {"width_hint": 8}
    assert items["s/0002"].decode().image.getpixel((0, 0)) == RED
    assert items["s/0003"].error == "caption_missing"
    assert items["0004"].error == "image_missing"
    assert items["0005"].ok and items["0005"].decode().error == "truncated"
    assert [i.id for i in open_dataset(shards / "shard-001.tar")] == ["0004", "0005"]

    pattern = str(shards / "shard-{000..002}.tar")
    assert detect_format(pattern) == "webdataset"
    got = list(open_dataset(pattern))
    assert len(got) == 6 and got[-1].error == "shard_missing"

    whole = (shards / "shard-000.tar").read_bytes()
    (shards / "shard-000.tar").write_bytes(whole[: len(whole) // 2])
    got = list(open_dataset(shards / "shard-000.tar"))
    assert got[-1].error == "shard_unreadable"


def test_parquet_manifest_with_paths_and_with_bytes(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(manifests, "BATCH_ROWS", 2)  # several batches from a small file
    root = tmp_path / "pool"
    (root / "img").mkdir(parents=True)
    (root / "img" / "a.png").write_bytes(solid())
    (root / "img" / "b.png").write_bytes(solid(BLUE))
    table = pa.table(
        {
            "path": ["img/a.png", str(root / "img" / "b.png"), "img/gone.png", "https://x/y.jpg"],
            "caption": ["a", "b", "gone", "remote"],
            "aesthetic": [1.0, 2.0, 3.0, 4.0],
        }
    )
    pq.write_table(table, root / "paths.parquet")
    assert detect_format(root / "paths.parquet") == "parquet"
    items = by_id(root / "paths.parquet")
    assert items["img/a"].text == "a" and items["img/a"].columns == {"aesthetic": 1.0}
    assert items["img/b"].file_name == "img/b.png" and items["img/b"].ok
    assert items["img/gone"].error == "file_missing"
    assert items["y"].error == "remote_url" and items["y"].file_name == "y.jpg"

    image_type = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    hf_style = pa.table(
        {
            "image": pa.array(
                [{"bytes": solid(), "path": "red.png"}, {"bytes": solid(BLUE), "path": None}],
                type=image_type,
            ),
            "text": ["red", None],
        }
    )
    raw = pa.table({"image": [CASES["gray.png"]()], "text": ["gray"]})
    (tmp_path / "bytes").mkdir()
    pq.write_table(hf_style, tmp_path / "bytes" / "part-0.parquet")
    pq.write_table(raw, tmp_path / "bytes" / "part-1.parquet")
    items = list(open_dataset(tmp_path / "bytes"))
    assert [(i.file_name, i.text, i.error) for i in items] == [
        ("red.png", "red", None),
        ("part-0/00000001.png", None, "caption_missing"),
        ("part-1/00000000.png", "gray", None),
    ]
    assert items[0].read_bytes() == solid() and items[0].path is None
    assert items[2].decode().info["was_grayscale"]

    pq.write_table(pa.table({"caption": ["no image"]}), tmp_path / "bad.parquet")
    with pytest.raises(PhotogenicError, match="no image column"):
        open_dataset(tmp_path / "bad.parquet")


@pytest.mark.parametrize("kind", ["missing", "empty", "csv"])
def test_bad_input_paths_name_the_path_and_the_formats(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "input"
    if kind == "empty":
        target.mkdir()
    elif kind == "csv":
        target = tmp_path / "x.csv"
        target.write_text("a,b\n")
    with pytest.raises(PhotogenicError) as err:
        open_dataset(target)
    message = str(err.value)
    assert str(target) in message and "imagefolder" in message and "Parquet" in message


def test_writer_resumes_after_a_torn_last_line(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    write_small_dataset(root)
    with open(root / METADATA, "ab") as f:
        f.write(b'{"file_name": "d.png", "te')
    with DatasetWriter(root, resume=True) as writer:
        assert len(writer) == 3 and "a.png" in writer and "d.png" not in writer
        writer.add_bytes("d.png", solid(), "after resume")
    assert [i.id for i in open_dataset(root)] == ["a", "sub/b", "c", "d"]
    assert all(i.ok for i in open_dataset(root))
    with pytest.raises(PhotogenicError, match="already exists"):
        DatasetWriter(root, resume=False)


def test_write_subset_links_copies_and_writes_bytes(tmp_path: Path) -> None:
    write_small_dataset(tmp_path / "ds")
    make_tar(tmp_path / "one.tar", [("k.png", solid()), ("k.txt", b"from a tar")])
    items = [*open_dataset(tmp_path / "ds"), *open_dataset(tmp_path / "one.tar")]
    n = write_subset(items, tmp_path / "linked", extra_columns=lambda item: {"kept_by": "test"})
    assert n == 4
    src, dst = tmp_path / "ds" / "sub" / "b.png", tmp_path / "linked" / "sub" / "b.png"
    assert os.stat(src).st_ino == os.stat(dst).st_ino
    assert (tmp_path / "linked" / "k.png").read_bytes() == solid()
    out = by_id(tmp_path / "linked")
    assert out["sub/b"].columns == {"score": 0.25, "tags": ["x"], "kept_by": "test"}
    assert out["k"].text == "from a tar"
    assert write_subset(items, tmp_path / "linked") == 0  # resume: nothing left to write

    assert write_subset(items[:1], tmp_path / "copied", mode="copy") == 1
    src, dst = tmp_path / "ds" / "a.png", tmp_path / "copied" / "a.png"
    assert os.stat(src).st_ino != os.stat(dst).st_ino and src.read_bytes() == dst.read_bytes()

    odd = Item("o", "o.png", "odd columns", {"source": "web", "mode": "RGB"}, data=solid())
    assert write_subset([odd], tmp_path / "odd") == 1
    assert by_id(tmp_path / "odd")["o"].columns == {"source": "web", "mode": "RGB"}

    bad = Item("x", "x.png", None, error="caption_missing")
    with pytest.raises(PhotogenicError, match="caption_missing"):
        write_subset([bad], tmp_path / "refused")


def test_ledger_accounts_for_every_item_and_resumes(tmp_path: Path) -> None:
    items = [Item(f"i{n}", f"i{n}.png", f"t{n}", source="test") for n in range(5)]
    broken = Item("b", "b.png", error="truncated", detail="ends early", source="x.tar:b")
    with Ledger(tmp_path) as ledger:
        ledger.keep(items[0])
        ledger.keep(items[1])
        assert ledger.drop(items[2], stage="blur", reason="too_blurry", sharpness=0.1)
        assert ledger.error(broken)
        ledger.check(4)
        with pytest.raises(PhotogenicError, match="input 5"):
            ledger.check(5)
    dropped = [json.loads(x) for x in (tmp_path / "dropped.jsonl").read_text().splitlines()]
    assert dropped == [
        {
            "id": "i2",
            "file_name": "i2.png",
            "text": "t2",
            "stage": "blur",
            "reason": "too_blurry",
            "values": {"sharpness": 0.1},
        }
    ]
    errors = [json.loads(x) for x in (tmp_path / "errors.jsonl").read_text().splitlines()]
    assert errors == [
        {
            "id": "b",
            "file_name": "b.png",
            "source": "x.tar:b",
            "reason": "truncated",
            "detail": "ends early",
        }
    ]
    with open(tmp_path / "dropped.jsonl", "ab") as f:
        f.write(b'{"id": "i3", "fi')  # an interrupt mid-write

    with Ledger(tmp_path) as ledger:
        assert (ledger.dropped, ledger.errors) == (1, 1)
        assert items[2] in ledger and "b" in ledger and items[3] not in ledger
        assert not ledger.drop(items[2], stage="blur", reason="too_blurry")
        assert ledger.drop(items[3], stage="size", reason="too_small", short_side=64)
        ledger.keep(items[0])
        ledger.keep(items[1])
        ledger.keep(items[4])
        ledger.check(6)
        assert ledger.summary()["dropped_by_reason"] == {"too_blurry": 1, "too_small": 1}
    assert len((tmp_path / "dropped.jsonl").read_text().splitlines()) == 2


def test_caption_bytes() -> None:
    assert decode_caption(None).error == "caption_missing"
    assert decode_caption(b"\xef\xbb\xbf hi \r\n").text == "hi"
    assert decode_caption("h\u00e9".encode("utf-16")).text == "h\u00e9"
    assert decode_caption(b"") == Caption("")
    assert decode_caption(b"\x80abc").error == "caption_not_utf8"
