"""Conventions every command follows: --json names its format and version, shell completion,
and a missing extra is one clear line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from podmodel.cli import COMMANDS, build_parser, main, missing_extra

ROOT = Path(__file__).resolve().parents[1]
TRACE = ROOT / "examples" / "traces" / "kwok-fast-job-pod.reconstructed.json"


@pytest.mark.parametrize("argv,fmt", [
    (["check-trace", str(TRACE), "--json"], "podmodel-check-trace"),
    (["check-trace", str(ROOT / "nothing.json"), "--json"], "podmodel-check-trace"),
    (["phase", str(TRACE), "--json"], "podmodel-phase"),
    (["lint-kwok", str(ROOT / "examples" / "kwok" / "fast"), "--json"], "podmodel-lint-kwok"),
    (["explore", str(ROOT / "specs" / "scenarios" / "single-never.yaml"), "--json", "--quiet"], "podmodel-explore"),
    (["verify", "single-never", "--json", "--quiet"], "podmodel-verify"),
])
def test_json_documents_name_format_and_version(capsys, argv, fmt):
    main(argv)
    doc = json.loads(capsys.readouterr().out)
    assert doc["format"] == fmt and doc["version"] == 1


def test_json_formats_are_documented():
    text = (ROOT / "docs" / "json.md").read_text()
    for fmt in ("podmodel-explore", "podmodel-verify", "podmodel-verify-mutants", "podmodel-check-trace",
                "podmodel-watch", "podmodel-lint-kwok", "podmodel-phase"):
        assert f"`{fmt}`" in text


def test_bash_completion_is_valid_and_completes(tmp_path):
    script = tmp_path / "podmodel.bash"
    from podmodel.cli.completion import script as make

    script.write_text(make("bash"))
    probe = (f"source {script}; COMP_WORDS=(podmodel li); COMP_CWORD=1; _podmodel; echo \"${{COMPREPLY[@]}}\"; "
             "COMP_WORDS=(podmodel check-trace --form); COMP_CWORD=2; _podmodel; echo \"${COMPREPLY[@]}\"; "
             "COMP_WORDS=(podmodel lint-kwok --ip ''); COMP_CWORD=3; _podmodel; echo \"${COMPREPLY[@]}\"")
    out = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == ["lint-kwok", "--format", "both address"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_names_every_command(capsys, shell):
    assert main(["completion", shell]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in COMMANDS)


def test_a_missing_extra_is_named():
    assert missing_extra(ModuleNotFoundError("x", name="numpy")) == (
        "needs the 'explore' extra (numpy is not installed): pip install 'podmodel[explore]'")
    assert "podmodel[watch]" in missing_extra(ModuleNotFoundError("x", name="kubernetes.client"))
    assert missing_extra(ModuleNotFoundError("x", name="something_else")) is None


def test_every_command_is_registered():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert set(sub.choices) == set(COMMANDS)


def test_a_command_builds_only_its_own_parser():
    """``podmodel check-trace`` must not import the engines (NumPy, NetworkX, Hypothesis):
    the oracle is the base install and is called once per test by users' suites."""
    code = ("import sys\n"
            "from podmodel.cli import main\n"
            f"rc = main(['check-trace', {str(TRACE)!r}, '--quiet'])\n"
            "heavy = sorted(m for m in ('numpy', 'networkx', 'hypothesis', 'podmodel.engines') if m in sys.modules)\n"
            "print(rc, heavy)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    rc, heavy = out.strip().splitlines()[-1].split(" ", 1)
    assert rc == "1" and heavy == "[]"  # this KWOK trace is illegal (examples/traces/README.md)


@pytest.mark.parametrize("argv", [["--help"], ["nosuchcommand"], []])
def test_help_and_unknown_commands_still_list_every_command(capsys, argv):
    with pytest.raises(SystemExit) if argv else _no_exit():
        main(argv)
    err = capsys.readouterr()
    listed = err.out + err.err
    assert all(name in listed for name in COMMANDS)


class _no_exit:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
