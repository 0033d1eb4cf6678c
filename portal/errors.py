"""Friendly error pages: a clear message in the user's language, never a stack trace."""

import logging

from flask import render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError
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
        503: (_("Service unavailable"), _("The database cannot be reached right now. Please try "
                                          "again in a moment.")),
    }


def error_page(status: int, detail: str | None = None, standalone: bool = False):
    """Render the error; `standalone` avoids the menu, which needs the database."""
    title, text = _messages().get(status, _messages()[500])
    if request.headers.get("HX-Request"):
        template = "errors/_error.html"
    else:
        template = "errors/standalone.html" if standalone else "errors/error.html"
    return render_template(template, status=status, title=title, text=detail or text), status


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

    @app.errorhandler(OperationalError)
    def database_down(exc):
        log.exception("database error on %s", request.path)
        _rollback()
        return error_page(503, standalone=True)

    @app.errorhandler(Exception)
    def unexpected(exc):
        log.exception("unhandled error on %s", request.path)
        _rollback()
        try:
            return error_page(500)
        except Exception:
            return error_page(500, standalone=True)
