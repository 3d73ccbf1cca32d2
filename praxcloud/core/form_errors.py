"""A console form answers a :class:`PraxError` with the form again, not with an error page.

A console view (the tenant's or the platform's, a plugin's too) names the
page builder that shows its form, with the view option ``form_error=``::

    def login_again(request, exc):
        # The form's template values: the user's input kept, the error's message on top.
        return login_page(request, email=form_text(request.POST, "email"),
                          error=exc.form_message())

    @view_config(route_name="console.login", request_method="POST",
                 renderer="console/login.jinja2", form_error=login_again)
    def login(request):
        result = check_first_factor(request, email, password)  # may raise LoginRefused
        ...

When the view raises a PraxError, its status and headers (``Retry-After``)
are set on ``request.response`` and what the builder returns is rendered
by the view's own renderer: the same answer a ``try``/``except`` in the
view used to build by hand. The request's transaction ends as for any
form answered with messages (services raise before they write). Errors
that have a page of their own (``shown_on_form = False``: an unavailable
tenant, a password to confirm first) and every other exception pass on to
the exception views.
"""

from __future__ import annotations

from .errors import PraxError


def form_error_view(view, info):
    page = info.options.get("form_error")
    if page is None:
        return view

    def answered_on_form(context, request):
        try:
            return view(context, request)
        except PraxError as exc:
            if not exc.shown_on_form:
                raise
            response = request.response
            response.status = exc.status
            for name, value in exc.headers.items():
                response.headers[name] = str(value)
            return page(request, exc)

    return answered_on_form


form_error_view.options = ("form_error",)


def includeme(config) -> None:
    # Inside the renderer: the builder's dict is rendered like the view's own answer.
    config.add_view_deriver(form_error_view, under="rendered_view", over="mapped_view")
