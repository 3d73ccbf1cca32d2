"""request.enqueue: a task is sent only after the request's transaction commits."""

from __future__ import annotations

import pytest
import transaction
import webtest
from pyramid.config import Configurator
from pyramid.response import Response

from praxcloud.core.config import apply_environment
from praxcloud.core.models import Record
from praxcloud.core.tasks import enqueue

from . import sample_tasks
from .sample_tasks import copy_record, remember


class ScriptRequest:
    """Just what enqueue uses: the registry and a transaction manager."""

    def __init__(self, registry):
        self.registry = registry
        self.tm = transaction.TransactionManager(explicit=True)


@pytest.fixture
def remembered():
    sample_tasks.REMEMBERED.clear()
    yield sample_tasks.REMEMBERED
    sample_tasks.REMEMBERED.clear()


def test_sent_after_commit_not_before(registry, remembered):
    request = ScriptRequest(registry)
    request.tm.begin()
    enqueue(request, remember, "after-commit")
    assert remembered == []
    request.tm.commit()
    assert remembered == ["after-commit"]


def test_nothing_sent_when_the_transaction_aborts(registry, remembered):
    request = ScriptRequest(registry)
    request.tm.begin()
    enqueue(request, remember, "never")
    request.tm.abort()
    assert remembered == []


def test_task_given_by_name(registry, remembered):
    request = ScriptRequest(registry)
    with request.tm:
        enqueue(request, "tests.worker.remember", "by-name")
    assert remembered == ["by-name"]


def test_unknown_task_is_refused_at_once(registry):
    request = ScriptRequest(registry)
    with pytest.raises(LookupError, match="no task named 'tests.nothing'"), request.tm:
        enqueue(request, "tests.nothing")


@pytest.fixture
def enqueue_testapp(settings, app):
    """The platform plus one view that writes a record and enqueues a task reading it."""

    def write_and_enqueue(request):
        request.tenant_db.add(Record(name="written-by-view"))
        request.enqueue(copy_record, request.tenant.slug, "written-by-view", "seen-by-task")
        request.enqueue(remember, f"request to {request.tenant.slug}")
        if request.params.get("fail"):
            raise RuntimeError("the view failed after enqueueing")
        return Response("queued")

    with Configurator(settings=apply_environment(settings)) as config:
        config.include("praxcloud.core")
        config.add_route("test_enqueue", "/{tenant}/test-enqueue")
        config.add_view(write_and_enqueue, route_name="test_enqueue", request_method="GET")
    wsgi = config.make_wsgi_app()
    yield webtest.TestApp(wsgi, extra_environ={"HTTP_HOST": "localhost",
                                               "REMOTE_ADDR": "127.0.0.1"})
    wsgi.registry.tenancy.dispose()


def test_web_request_sends_after_its_commit(tenant, enqueue_testapp, record_names, remembered):
    assert enqueue_testapp.get("/acme/test-enqueue").text == "queued"
    # The task saw the view's record, so it ran after the view's commit.
    assert record_names() == ["seen-by-task", "written-by-view"]
    assert remembered == ["request to acme"]


def test_failed_web_request_sends_nothing(tenant, enqueue_testapp, record_names, remembered):
    try:
        response = enqueue_testapp.get("/acme/test-enqueue?fail=1", expect_errors=True)
    except RuntimeError:
        pass  # no exception view rendered it: the error reached the server
    else:
        assert response.status_int == 500
    # Neither the view's record nor the tasks' traces: the transaction
    # aborted and no task was sent.
    assert record_names() == []
    assert remembered == []
