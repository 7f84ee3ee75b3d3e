"""Inputs of `phase` and `explore` go through the hardened reader; outputs never follow a planted symlink."""

from __future__ import annotations

import json
import os

import pytest

from podmodel.cli import main

POD = {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}

BAD_FILES = [
    ("deep.json", "[" * 100000),
    ("deep.yaml", "a: " + "[" * 50000),
    ("bigint.json", '{"kind": "Pod", "spec": {"activeDeadlineSeconds": ' + "9" * 5000 + ', "containers": [{"name": "c"}]}}'),
    ("bigint.yaml", "kind: Pod\nspec:\n  activeDeadlineSeconds: " + "9" * 5000 + "\n  containers: [{name: c}]\n"),
    ("loop.yaml", "a: &a [*a]\n"),
    ("binary.yaml", "kind: Pod\nspec: !!binary aGVsbG8=\n"),
    ("nul.json", '{"kind": "Pod"\x00}'),
    ("latin1.json", b'{"kind": "Pod", "metadata": {"name": "\xe9"}}'),
]


@pytest.mark.parametrize("command", ["explore", "phase"])
@pytest.mark.parametrize("name, content", BAD_FILES, ids=[n for n, _ in BAD_FILES])
def test_bad_manifests_are_one_line_exit_2(tmp_path, capsys, command, name, content):
    f = tmp_path / name
    if isinstance(content, bytes):
        f.write_bytes(content)
    else:
        f.write_text(content)
    rc = main([command, str(f), "--quiet"] if command == "explore" else [command, str(f)])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1 and err.startswith(f"podmodel {command}: error:")


def test_explore_export_refuses_a_planted_symlink(tmp_path, capsys):
    manifest = tmp_path / "pod.json"
    manifest.write_text(json.dumps(POD))
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / "graph.json"
    os.symlink(victim, link)
    assert main(["explore", str(manifest), "--quiet", "--export", str(link)]) == 2
    assert "symbolic link" in capsys.readouterr().err
    assert victim.read_text() == "precious"
    assert main(["explore", str(manifest), "--quiet", "--export", str(link), "--follow-symlinks"]) in (0, 1)
    assert victim.read_text() != "precious"  # written through the link, as asked


def test_export_refuses_a_planted_symlink_in_the_output_directory(tmp_path, capsys):
    out = tmp_path / "export"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    os.symlink(victim, out / "machines.json")
    assert main(["export", "--out", str(out)]) == 2
    assert "machines.json is a symbolic link" in capsys.readouterr().err
    assert victim.read_text() == "precious"


def test_diagrams_refuse_a_symlinked_directory(tmp_path, capsys):
    real = tmp_path / "real"
    real.mkdir()
    os.symlink(real, tmp_path / "diagrams")
    assert main(["diagrams", "--out", str(tmp_path / "diagrams"), "--format", "dot"]) == 2
    assert "symbolic link" in capsys.readouterr().err
    assert not list(real.iterdir())
