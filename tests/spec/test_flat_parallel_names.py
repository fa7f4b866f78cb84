"""A named ``flat`` parallel: its branches stay in the enclosing scope, the name is its merge's.

torchvision's InceptionE concatenates branch3x3_2a and branch3x3_2b (attributes of the block
itself) with a bare ``torch.cat``: the cat needs a name of its own, the convs must not move.
"""

from __future__ import annotations

from cnncost.api import build_graph

SPEC = """\
name: t
input: [3, 8, 8]
layers:
  - name: block
    seq:
      - {conv: {c: 4, k: 1}, name: stem}
      - parallel:
          merge: concat
          flat: true
          branches:
            a:
              - {conv: {c: 2, k: 1}, name: pre}
              - name: pair
                parallel:
                  merge: concat
                  flat: true
                  branches:
                    x: [{conv: {c: 3, k: [1, 3], p: [0, 1]}, name: conv_a}]
                    y: [{conv: {c: 3, k: [3, 1], p: [1, 0]}, name: conv_b}]
            b:
              - {conv: {c: 5, k: 1}, name: side}
"""


def test_named_flat_parallel_names_only_its_merge(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(SPEC)
    nodes = {n.name: n for n in build_graph(str(path)).nodes[1:]}
    assert list(nodes) == ["block.stem", "block.pre", "block.conv_a", "block.conv_b",
                           "block.pair", "block.side", "block.concat"]
    assert nodes["block.pair"].shape == (6, 8, 8)       # 3 + 3 channels
    assert nodes["block.concat"].shape == (11, 8, 8)    # pair 6 + side 5
