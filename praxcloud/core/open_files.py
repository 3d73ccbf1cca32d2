"""How many SQLite tenant engines a process can keep open within its open-file limit.

Each pooled SQLite connection holds up to three descriptors (the database,
its write-ahead log and its shared-memory index), and a tenant engine keeps
up to ``tenant_pool_size`` of them. Keeping every active tenant's engine is
what lets a process rotate over a thousand tenants at the cost of one
(``bench/many_tenants.py``); running out of descriptors would instead fail
requests at random with "unable to open database file". So at start-up the
soft limit is raised towards the hard limit as far as the engines need,
and where even the hard limit is too low, the number of engines is lowered
to what fits, with a warning that says which setting to change.
"""

from __future__ import annotations

import logging

try:
    import resource
except ImportError:  # not on Windows; nothing to raise there
    resource = None

log = logging.getLogger(__name__)

FILES_PER_CONNECTION = 3
# Sockets, log files, templates, the platform database, Celery's broker...
RESERVED = 256


def fit_sqlite_engines(engines: int, pool_size: int) -> int:
    """``engines``, or fewer if the process cannot hold their files open (see above)."""
    per_engine = max(pool_size, 1) * FILES_PER_CONNECTION
    needed = engines * per_engine + RESERVED
    if resource is None:
        return engines
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return engines
    target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if target > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            log.info("open-file limit raised from %d to %d for %d tenant engines",
                     soft, target, engines)
            soft = target
        except (ValueError, OSError) as exc:
            log.warning("could not raise the open-file limit from %d: %s", soft, exc)
    if soft >= needed:
        return engines
    fitting = max(1, (soft - RESERVED) // per_engine)
    log.warning("the open-file limit (%d) holds %d SQLite tenant engines, not %d: "
                "keeping %d; raise the limit (ulimit -n, LimitNOFILE) or lower "
                "praxcloud.tenant_engines_max / tenant_pool_size", soft, fitting, engines,
                fitting)
    return fitting
