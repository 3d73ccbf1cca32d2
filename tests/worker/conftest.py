"""Worker tests run tasks inline (eager) on the test app's own Celery app."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from praxcloud.core.models import Record
from praxcloud.core.scripting import tenant_request

from . import sample_tasks  # noqa: F401  (registers the sample tasks)


@pytest.fixture
def settings(settings):
    return {**settings, "praxcloud.celery_eager": "true"}


@pytest.fixture
def record_names(registry):
    def read(slug: str = "acme") -> list[str]:
        with tenant_request(registry, slug) as request:
            return sorted(request.tenant_db.scalars(select(Record.name)))
    return read
