"""The topics' result cache: a second run reuses what did not change, byte for byte, and
never trusts an entry it cannot verify."""

import json
from pathlib import Path

import pytest

from derivations.cli import main
from derivations.topics import cache as cache_module

TOPICS = ["hidden_units", "deep_networks"]  # two quick topics, one with a figure


def run(out: Path, capsys, *extra: str) -> list[str]:
    code = main(["notes", "--out", str(out), "--topics", ",".join(TOPICS), "--no-pdf", "--device", "cpu", *extra])
    captured = capsys.readouterr()
    assert code == 0, captured
    return [line for line in captured.err.splitlines() if line.startswith("[")]


def outputs(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in ("notes.tex", "verification.json")}


def cached(progress: list[str]) -> list[bool]:
    return [line.endswith("(cached)") for line in progress]


@pytest.fixture
def built(tmp_path, capsys):
    out = tmp_path / "notes"
    first = run(out, capsys)
    assert cached(first) == [False, False]
    return out, outputs(out)


def test_a_second_run_reuses_every_topic_and_writes_the_same_files(built, capsys):
    out, before = built
    assert cached(run(out, capsys)) == [True, True]
    assert outputs(out) == before


def test_no_cache_rebuilds_everything(built, capsys):
    out, before = built
    assert cached(run(out, capsys, "--no-cache")) == [False, False]
    assert outputs(out) == before


def test_a_changed_topic_source_rebuilds_that_topic_only(built, capsys, monkeypatch, tmp_path):
    out, before = built
    own = cache_module._own_modules
    edited = tmp_path / "deep_networks.py"
    edited.write_text("# a lecturer's edit\n")
    monkeypatch.setattr(cache_module, "_own_modules", lambda name: [edited] if name == "deep_networks" else own(name))
    assert cached(run(out, capsys)) == [True, False]
    assert cached(run(out, capsys)) == [True, True]  # the new result is stored under the new key
    edited.write_text("# a second edit\n")
    assert cached(run(out, capsys)) == [True, False]
    assert outputs(out) == before


@pytest.mark.parametrize("spoil", ["garbage", "foreign-key", "wrong-type", "object-record", "figure-changed",
                                   "figure-path-escape"])
def test_an_entry_it_cannot_verify_is_rebuilt_not_loaded(built, capsys, spoil, tmp_path):
    out, before = built
    path = out / cache_module.CACHE_DIR / "deep_networks.json"
    entry = json.loads(path.read_text())
    if spoil == "garbage":
        path.write_text("{not json")
    elif spoil == "foreign-key":
        entry["key"] = "0" * 64
        entry["latex"] = r"\section{planted}"
        path.write_text(json.dumps(entry))
    elif spoil == "wrong-type":
        entry["records"] = "not a list"
        path.write_text(json.dumps(entry))
    elif spoil == "object-record":
        entry["records"][0]["passed"] = "yes"
        path.write_text(json.dumps(entry))
    elif spoil == "figure-changed":
        assert entry["files"], "deep_networks draws a figure"
        (out / next(iter(entry["files"]))).write_bytes(b"%PDF planted")
    elif spoil == "figure-path-escape":
        entry["files"] = {"../outside.txt": "0" * 64}
        path.write_text(json.dumps(entry))
    assert cached(run(out, capsys)) == [True, False]
    assert outputs(out) == before
    assert r"\section{planted}" not in (out / "notes.tex").read_text()


def test_with_a_plugin_loaded_nothing_is_cached(built, capsys):
    """A plugin's code is not part of the key: with one registered, every topic is built."""
    import sympy as sp

    from symbolic.activations.custom import register_activation
    from symbolic.spec import ACTIVATIONS

    z = sp.Symbol("z", real=True)
    register_activation("cache-test-square", z**2)
    try:
        assert cached(run(out := built[0], capsys)) == [False, False]
        assert outputs(out) == built[1]
    finally:
        ACTIVATIONS.remove("cache-test-square")


def test_a_planted_link_in_the_cache_is_refused_like_any_link_in_the_output_folder(built, capsys, tmp_path):
    out, before = built
    path = out / cache_module.CACHE_DIR / "deep_networks.json"
    planted = tmp_path / "planted.json"
    planted.write_text(path.read_text())
    path.unlink()
    path.symlink_to(planted)
    code = main(["notes", "--out", str(out), "--topics", ",".join(TOPICS), "--no-pdf", "--device", "cpu"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: output folder entry") and "symbolic link" in err, err
    assert err.count("\n") == 1
    assert outputs(out) == before
