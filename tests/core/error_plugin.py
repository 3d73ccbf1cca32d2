"""A plugin for tests/core/test_errors.py: views that raise, on praxcloud.plugin only."""

from praxcloud.plugin import AUTHENTICATED, PraxError, form_text, hookimpl


class GreetingClosed(PraxError):
    code = "hello_closed"
    status = 409
    message = "the greeting is closed on Sundays"


def closed(request):
    raise GreetingClosed(fields={"day": "not on Sundays"}, headers={"Retry-After": 60})


def boom(request):
    raise RuntimeError("secret detail of the database at 10.0.0.7")


def greeting_again(request, exc):
    return {"name": form_text(request.POST, "name"), "error": exc.form_message(),
            "fields": exc.fields}


def greet(request):
    raise GreetingClosed()


@hookimpl
def praxcloud_plugin_info():
    return {"name": "errors_demo", "description": "Views that raise errors"}


@hookimpl
def praxcloud_includeme(config):
    config.add_route("errors_demo.closed", "/api/v1/{tenant}/errors-demo/closed")
    config.add_route("errors_demo.boom", "/api/v1/{tenant}/errors-demo/boom")
    config.add_route("errors_demo.greet", "/{tenant}/errors-demo/greet")
    config.add_view(closed, route_name="errors_demo.closed", renderer="json",
                    permission=AUTHENTICATED, plugin="errors_demo", require_csrf=False)
    config.add_view(boom, route_name="errors_demo.boom", renderer="json",
                    permission=AUTHENTICATED, plugin="errors_demo", require_csrf=False)
    # No CSRF token in these tests: what is checked is the form's answer to an error.
    config.add_view(greet, route_name="errors_demo.greet", request_method="POST",
                    renderer="json", plugin="errors_demo", require_csrf=False,
                    form_error=greeting_again)
