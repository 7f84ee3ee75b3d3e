"""PodConfig.from_manifest: every workload kind, feature gates, and clear errors."""

import pytest

from podmodel.model.config import ContainerSpec, ManifestError, PodConfig, RestartRule

POD_SPEC = {"restartPolicy": "OnFailure", "containers": [{"name": "app", "image": "nginx"}]}


@pytest.mark.parametrize("manifest", [
    {"kind": "Pod", "spec": POD_SPEC},
    {"kind": "Deployment", "spec": {"template": {"spec": POD_SPEC}}},
    {"kind": "ReplicaSet", "spec": {"template": {"spec": POD_SPEC}}},
    {"kind": "StatefulSet", "spec": {"template": {"spec": POD_SPEC}}},
    {"kind": "DaemonSet", "spec": {"template": {"spec": POD_SPEC}}},
    {"kind": "Job", "spec": {"template": {"spec": POD_SPEC}}},
    {"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": POD_SPEC}}}}},
    {"kind": "PodTemplate", "template": {"spec": POD_SPEC}},
], ids=lambda m: m["kind"])
def test_every_workload_kind_yields_its_pod_template(manifest):
    cfg = PodConfig.from_manifest(manifest)
    assert cfg.restart_policy == "OnFailure"
    assert [c.name for c in cfg.containers] == ["app"]


def test_yaml_and_json_text_are_accepted():
    yaml_text = "kind: Pod\nspec:\n  containers:\n  - name: a\n"
    json_text = '{"kind": "Pod", "spec": {"containers": [{"name": "a"}]}}'
    assert PodConfig.from_manifest(yaml_text) == PodConfig.from_manifest(json_text)
    assert hash(PodConfig.from_manifest(yaml_text)) == hash(PodConfig.from_manifest(json_text))


def test_sidecars_and_regular_init_containers_keep_spec_order():
    cfg = PodConfig.from_manifest({"spec": {"initContainers": [
        {"name": "a"}, {"name": "s", "restartPolicy": "Always", "startupProbe": {"exec": {}}}, {"name": "b"}],
        "containers": [{"name": "app"}]}})
    assert [(c.name, c.kind) for c in cfg.init_containers] == [("a", "init"), ("s", "sidecar"), ("b", "init")]
    assert cfg.sidecars[0].probes == ("startup",)


def test_sidecar_gate_off_makes_restart_policy_always_a_regular_init_container():
    cfg = PodConfig.from_manifest({"spec": {"initContainers": [{"name": "s", "restartPolicy": "Always"}],
                                            "containers": [{"name": "app"}]}},
                                  feature_gates={"SidecarContainers": False, "ContainerRestartRules": True})
    assert cfg.init_containers[0].kind == "init"


def test_restart_rules_are_parsed():
    cfg = PodConfig.from_manifest({"spec": {"restartPolicy": "Never", "containers": [{
        "name": "t", "restartPolicy": "Never",
        "restartPolicyRules": [{"action": "Restart", "exitCodes": {"operator": "In", "values": [42, 7, 42]}}]}]}})
    assert cfg.containers[0] == ContainerSpec("t", "app", "Never", (RestartRule("Restart", "In", (7, 42)),))


@pytest.mark.parametrize("manifest, field", [
    ({"kind": "Service", "spec": {}}, "kind"),
    ({"kind": "Pod"}, "spec"),
    ({"kind": "Pod", "spec": {"containers": []}}, "spec.containers"),
    ({"kind": "Pod", "spec": {"containers": {"name": "a"}}}, "spec.containers"),
    ({"kind": "Pod", "spec": {"containers": ["a"]}}, "spec.containers[0]"),
    ({"kind": "Pod", "spec": {"containers": [{"image": "x"}]}}, "spec.containers[0].name"),
    ({"kind": "Pod", "spec": {"restartPolicy": "Sometimes", "containers": [{"name": "a"}]}}, "spec.restartPolicy"),
    ({"kind": "Pod", "spec": {"containers": [{"name": "a"}, {"name": "a"}]}}, "spec.containers[1].name"),
    ({"kind": "Pod", "spec": {"containers": [{"name": "a", "restartPolicy": "Maybe"}]}}, "spec.containers[0].restartPolicy"),
    ({"kind": "Pod", "spec": {"containers": [{"name": "a", "restartPolicy": "Never", "restartPolicyRules": [
        {"action": "Explode", "exitCodes": {"operator": "In", "values": [1]}}]}]}}, "spec.containers[0].restartPolicyRules[0].action"),
    ({"kind": "Pod", "spec": {"containers": [{"name": "a", "restartPolicyRules": [
        {"action": "Restart", "exitCodes": {"operator": "In", "values": [1]}}]}]}}, "spec.containers[0].restartPolicyRules"),
    ({"kind": "Pod", "spec": {"initContainers": [{"name": "i", "readinessProbe": {}}], "containers": [{"name": "a"}]}},
     "spec.initContainers[0].readinessProbe"),
    ({"kind": "Pod", "spec": {"activeDeadlineSeconds": 0, "containers": [{"name": "a"}]}}, "spec.activeDeadlineSeconds"),
    ({"kind": "Pod", "spec": {"readinessGates": [{}], "containers": [{"name": "a"}]}}, "spec.readinessGates[0].conditionType"),
    ({"kind": "Deployment", "spec": {"template": {"spec": {"containers": 3}}}}, "spec.template.spec.containers"),
    ({"kind": "CronJob", "spec": {"jobTemplate": {}}}, "spec.jobTemplate.spec"),
])
def test_invalid_manifests_name_the_offending_field(manifest, field):
    with pytest.raises(ManifestError) as err:
        PodConfig.from_manifest(manifest)
    assert err.value.field == field
    assert str(err.value).startswith(field)


@pytest.mark.parametrize("text, needle", [
    ("", "empty manifest"),
    ("kind: [unclosed", "invalid YAML at line 1"),
    ('{"kind": "Pod",', "invalid JSON"),
    ("- just\n- a list\n", "expected a manifest object, got list"),
    (b"\xff\xfe", "not UTF-8"),
    ("!!python/object:os.system {}", "invalid YAML"),
])
def test_unparseable_text_is_a_manifest_error(text, needle):
    with pytest.raises(ManifestError) as err:
        PodConfig.from_manifest(text)
    assert needle in str(err.value)


def test_feature_gates_default_to_kubernetes_1_35():
    gates = PodConfig.from_manifest({"spec": POD_SPEC}).gates
    assert gates["ContainerRestartRules"] is True
    assert gates["RestartAllContainersOnContainerExits"] is False
    assert gates["SidecarContainers"] is True


def test_container_policy_needs_its_gate():
    with pytest.raises(ManifestError, match="ContainerRestartRules"):
        PodConfig.from_manifest({"spec": {"containers": [{"name": "a", "restartPolicy": "Never"}]}},
                                feature_gates={"ContainerRestartRules": False})
