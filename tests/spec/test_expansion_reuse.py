"""Reusing a block's expansion (spec/reuse.py) gives exactly the graph a full walk gives."""

from __future__ import annotations

import pytest

import cnncost
from cnncost.spec import reuse

FIELDS = ("index", "name", "type", "op", "args", "inputs", "shape", "train_only", "loc",
          "param_shapes", "buffer_shapes", "macs", "other_ops", "allocates", "params", "buffers",
          "elements", "needs_grad", "backward_macs", "backward_other_ops")


def _nodes(graph):
    return [tuple(getattr(n, f) for f in FIELDS) for n in graph.nodes]


def _without_reuse(monkeypatch, **kwargs):
    with monkeypatch.context() as m:
        m.setattr(reuse.Expansions, "key", lambda self, *a: None)
        return cnncost.build_graph(**kwargs)


@pytest.mark.parametrize("model, input", [
    ("resnet152", None), ("resnet50", "3xHxW"), ("densenet121", None), ("inception_v3", None),
    ("efficientnet_b0", None), ("mobilenet_v3_large", "3x160x192"), ("googlenet", None),
    ("regnet_y_400mf", None), ("se_resnet50", None), ("convnext_tiny", None),
])
def test_reused_expansions_equal_a_full_walk(monkeypatch, model, input):
    fresh = _without_reuse(monkeypatch, model=model, input=input)
    reused = cnncost.build_graph(model, input=input)
    assert _nodes(reused) == _nodes(fresh)
    assert reused.output == fresh.output and reused.symbolic == fresh.symbolic


def test_calls_are_reused_and_copies_share_only_read_only_state(monkeypatch):
    calls = []
    real = reuse.Expansions.replay
    monkeypatch.setattr(reuse.Expansions, "replay",
                        lambda self, *a: calls.append(a[3]) or real(self, *a))
    g = cnncost.build_graph("resnet152")
    # torchvision's resnet152: layer1 3, layer2 8, layer3 36, layer4 3 bottlenecks. A stage's
    # first bottleneck takes the previous stage's width (and the stride), its second takes the
    # stage's own width; from the third on each repeats the second: 1 + 6 + 34 + 1
    assert len(calls) == 42
    a, b = g.nodes[[n.name for n in g.nodes].index("layer3.1.conv1")], \
        g.nodes[[n.name for n in g.nodes].index("layer3.2.conv1")]
    assert a.args == b.args and a.inputs != b.inputs and a.name != b.name
    # the copies share their op record's dicts, which refuse every write
    for shared in (a.args, a.param_shapes, a.buffer_shapes):
        for write in (lambda d: d.__setitem__("k", 1), lambda d: d.update(k=1),
                      lambda d: d.pop("k", None), lambda d: d.clear(), lambda d: d.setdefault("k"),
                      lambda d: d.popitem(), lambda d: d.__delitem__("k")):
            with pytest.raises(TypeError, match="read-only"):
                write(shared)
    assert a.args == b.args and dict(a.args) is not a.args


def test_a_spec_that_depends_on_the_key_is_not_confused():
    """Same block, same args, different input shapes (the stride-2 first call against the
    rest), and the same shape with other args: each gets its own expansion."""
    r = cnncost.analyze("resnet50")
    shapes = {row.name: row.output for row in r.rows}
    assert shapes["layer2.0.conv3"] == (512, 28, 28) and shapes["layer2.1.conv3"] == (512, 28, 28)
    assert shapes["layer2.0.downsample.0"] == (512, 28, 28)
    assert "layer2.1.downsample.0" not in shapes
