"""The reference functions agree with Kubernetes' own unit-test tables.

Vectors: podmodel/specs/upstream/upstream_*.yaml, transcribed from pkg/kubelet/kubelet_pods_test.go and
pkg/kubelet/status/generate_test.go (see tests/data/README.md).
"""

from pathlib import Path

import pytest
import yaml

from podmodel.model.reference import expected_conditions, expected_phase

DATA = Path(__file__).resolve().parents[1] / "podmodel" / "specs" / "upstream"
PHASE = yaml.safe_load((DATA / "upstream_phase_cases.yaml").read_text())["cases"]
COND = yaml.safe_load((DATA / "upstream_condition_cases.yaml").read_text())["cases"]


def _id(case):
    return f"{case['test']}::{case['name']}"


@pytest.mark.parametrize("case", PHASE, ids=_id)
def test_phase_matches_upstream(case):
    if case.get("skip"):
        pytest.skip(case["skip"])
    got = expected_phase(
        case["pod"],
        pod_is_terminal=case["pod_is_terminal"],
        pod_has_initialized=case["pod_has_initialized"],
        feature_gates=case.get("feature_gates") or None,
    )
    assert got == case["expected"]


@pytest.mark.parametrize("case", COND, ids=_id)
def test_condition_matches_upstream(case):
    if case.get("skip"):
        pytest.skip(case["skip"])
    got = expected_conditions(case["pod"], phase=case["phase"], feature_gates=case.get("feature_gates") or None)[case["condition"]]
    exp = case["expected"]
    assert got["status"] == exp["status"]
    for key in ("reason", "message"):
        if exp.get(key) is not None:
            assert got[key] == exp[key], key


def test_vector_counts_match_upstream_inventory():
    # shared/k8s-semantics.md section 9
    assert len(PHASE) == 94
    assert len(COND) == 36
