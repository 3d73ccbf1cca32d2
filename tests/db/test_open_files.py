"""The SQLite engine budget (``core.open_files``): raise the soft open-file limit, or keep fewer.

Each case runs in a process of its own: a lowered hard limit cannot be
raised again by the process that lowered it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import json, logging, resource, sys
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    from praxcloud.core.open_files import fit_sqlite_engines
    soft, hard = int(sys.argv[1]), int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    engines = fit_sqlite_engines(int(sys.argv[3]), int(sys.argv[4]))
    print(json.dumps([engines, resource.getrlimit(resource.RLIMIT_NOFILE)[0]]))
""")


def fit(soft: int, hard: int, engines: int, pool_size: int) -> tuple[int, int, str]:
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(soft), str(hard), str(engines),
                           str(pool_size)], capture_output=True, text=True, check=True)
    kept, soft_after = json.loads(done.stdout)
    return kept, soft_after, done.stderr


def test_engines_that_fit_change_nothing():
    assert fit(4096, 4096, 100, 2)[:2] == (100, 4096)


def test_the_soft_limit_is_raised_as_far_as_the_engines_need():
    # 1,024 engines of 2 connections, 3 files each, and the reserve: 6,400.
    kept, soft, log = fit(1024, 20000, 1024, 2)
    assert (kept, soft) == (1024, 1024 * 2 * 3 + 256)
    assert "open-file limit raised from 1024 to 6400" in log


def test_below_the_hard_limit_fewer_engines_are_kept_and_the_operator_told():
    kept, soft, log = fit(1024, 2048, 1024, 2)
    assert soft == 2048
    assert kept == (2048 - 256) // 6 == 298
    assert "holds 298 SQLite tenant engines, not 1024" in log
    assert "praxcloud.tenant_engines_max" in log


def test_unset_the_number_of_engines_follows_the_backend(registry, backend):
    from praxcloud.core.open_files import fit_sqlite_engines
    from praxcloud.core.settings import settings_of

    kept = registry.tenancy.engines.max_size
    if backend == "postgresql":
        assert kept == 64  # pools of server connections
    else:
        assert kept == fit_sqlite_engines(1024, settings_of(registry).tenant_pool_size) == 1024
    # Tenants are kept for four times as many (they cost no file).
    assert registry.tenancy.tenants.max_size == 4 * kept
