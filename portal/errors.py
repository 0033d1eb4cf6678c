"""Friendly error pages: a clear message in the user's language, never a stack trace."""

import logging

from flask import current_app, make_response, render_template, request, session
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from portal.extensions import db
from portal.services import DomainError
from portal.web.args import BadInput

log = logging.getLogger(__name__)


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Please check the form "
                                  "and try again.")),
        403: (_("No permission"), _("Your permission groups do not include this page. Ask your "
                                    "administrator if you need it.")),
        404: (_("Not found"), _("This page or record does not exist, or is not visible to you.")),
        405: (_("Not allowed"), _("This action cannot be done that way.")),
        409: (_("Conflict"), _("The record changed or the action is not allowed in its current "
                               "state.")),
        413: (_("Too large"), _("The upload is too large.")),
        500: (_("Something went wrong"), _("An unexpected error occurred. It has been logged; "
                                           "please try again.")),
    }


def error_page(status: int, detail: str | None = None, standalone: bool = False):
    """Render the error; `standalone` avoids the menu, which needs the database."""
    title, text = _messages().get(status, _messages()[500])
    if request.headers.get("HX-Request"):
        template = "errors/_error.html"
    else:
        template = "errors/standalone.html" if standalone else "errors/error.html"
    try:
        return render_template(template, status=status, title=title, text=detail or text), status
    except Exception as exc:  # the menu or the signed-in user needed the database
        if is_database_fault(exc):
            return database_unavailable(exc)
        raise


def is_database_fault(exc: BaseException | None) -> bool:
    """The database is down, frozen, locked too long or out of connections: not a bug."""
    if isinstance(exc, (OperationalError, PoolTimeout)):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def database_unavailable(exc: BaseException):
    """The 503 page, rendered without a single query, within the database time limits.

    No signed-in user (loading it is a query), no menu, no locale from the user's record:
    the template is rendered without the context processors, in the session's language.
    """
    # One line, not a traceback per request during an outage; the driver's words, no SQL.
    log.warning("database unavailable on %s: %s", request.path, getattr(exc, "orig", None) or exc)
    _rollback()
    locale = session.get("locale")
    with force_locale(locale if locale in current_app.config["LANGUAGES"] else "zh_CN"):
        title = _("Service unavailable")
        text = _("The system cannot reach the database right now. Please try again in a "
                 "moment. If you were saving something, check whether it was saved before "
                 "entering it again.")
        fragment = bool(request.headers.get("HX-Request"))
        template = current_app.jinja_env.get_template(
            "errors/_error.html" if fragment else "errors/standalone.html")
        html = template.render(status=503, title=title, text=text)
    response = make_response(html, 503)
    response.headers["Retry-After"] = str(round(current_app.config["DB_RETRY_SECONDS"]) or 1)
    if fragment:  # the notice replaces the page body, whatever the element that asked
        response.headers["HX-Retarget"] = "#main"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def _rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection may be the thing that failed
        log.warning("rollback failed", exc_info=True)


def register_error_handlers(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_page(400, _("The form expired or its security token is missing. Reload "
                                 "the page and try again; what you typed was not saved."))

    @app.errorhandler(BadInput)
    def bad_input(exc):
        return error_page(400, exc.message)

    @app.errorhandler(DomainError)
    def domain_error(exc):
        _rollback()
        return error_page(exc.status, exc.message)

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.code in (301, 302, 303, 307, 308):
            return exc
        # A commit in after_request that failed reaches here as a 500 wrapping the error.
        if is_database_fault(getattr(exc, "original_exception", None)):
            return database_unavailable(exc.original_exception)
        return error_page(exc.code or 500)

    @app.errorhandler(IntegrityError)
    def integrity_error(exc):
        # Two users saved the same unique value at once; the form check lost the race.
        log.warning("integrity error on %s: %s", request.path, exc.orig)
        _rollback()
        return error_page(409, _("This record was changed or already exists. Reload the page "
                                 "and check before saving again."))

    @app.errorhandler(StaleDataError)
    def stale_record(exc):
        # Optimistic locking: another user saved the same record between our read and write.
        _rollback()
        return error_page(409, _("Someone else saved this record a moment ago. Reload the "
                                 "page to see their change, then try again."))

    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(PoolTimeout, database_unavailable)

    @app.errorhandler(Exception)
    def unexpected(exc):
        if is_database_fault(exc):
            return database_unavailable(exc)
        log.exception("unhandled error on %s", request.path)
        _rollback()
        try:
            return error_page(500)
        except Exception:
            return error_page(500, standalone=True)
