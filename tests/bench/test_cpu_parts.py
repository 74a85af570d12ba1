"""The perf report parser of ``bench/cpu_parts.py``: shares by part from ``--sort dso``."""

from __future__ import annotations

import pytest

#: An excerpt of a real report (subdip serve at 1 M, unique lookups), header lines included.
REPORT = """\
# Total Lost Samples: 0
#
# Samples: 8K of event 'cpu-clock:ppp'
# Event count (approx.): 8592592584
#
# Overhead  Shared Object
# ........  ..........................................
#
    36.71%  libpython3.11.so.1.0
    27.70%  pyoxigraph.cpython-311-x86_64-linux-gnu.so
    19.27%  libc.so.6
    10.26%  [kernel.kallsyms]
     4.81%  _granian.cpython-311-x86_64-linux-gnu.so
     0.69%  ld-linux-x86-64.so.2
     0.19%  [vdso]
     0.16%  libstdc++.so.6.0.30
"""


def test_shares_group_shared_objects_into_parts(cpu_parts) -> None:
    shares = cpu_parts.shares(REPORT)
    assert shares["Python interpreter"] == pytest.approx(0.3671)
    assert shares["engine"] == pytest.approx(0.2770 + 0.0016)
    assert shares["C library (allocator)"] == pytest.approx(0.1927)
    assert shares["kernel"] == pytest.approx(0.1026 + 0.0019)
    assert shares["HTTP server"] == pytest.approx(0.0481)
    assert shares["other"] == pytest.approx(0.0069)  # the dynamic loader
    assert "Overhead" not in str(shares)
