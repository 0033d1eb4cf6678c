"""Service Portal (售后服务门户): the Flask application factory."""

import logging

from flask import Flask, g, has_request_context, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user

from portal.config import load_config
from portal.extensions import babel, csrf, db, htmx, login_manager, migrate

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class _SessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request itself came over HTTPS."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, config)
    app.session_interface = _SessionInterface()
    if app.config["TRUST_PROXY"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    from portal import models  # noqa: F401 — registers every table on the metadata
    from portal.services.core import audit, customers  # noqa: F401 — register the session hooks

    db.init_app(app)
    from portal import database

    with app.app_context():
        database.init_app(app, db.engine)
    from portal.services.core import uow

    uow.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir())
    csrf.init_app(app)
    from portal.web import form_rendering, request_translations

    form_rendering.install(app)
    request_translations.install()
    htmx.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=lambda: None)
    _init_login(app)
    _register_blueprints(app)
    from portal.blueprints.auth import throttle

    throttle.init_app(app)  # Flask-Limiter on the sign-in view only
    _register_template_helpers(app)
    _register_headers(app)
    from portal.web import assets

    assets.init_app(app)

    from portal.errors import register_error_handlers

    register_error_handlers(app)

    from portal.cli import register_cli

    register_cli(app)
    logging.basicConfig(level=logging.INFO)
    return app


def _migrations_dir() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent / "migrations")


def _select_locale() -> str:
    languages = ("zh_CN", "en")
    if not has_request_context():  # CLI, jobs and service tests speak the working language
        return "zh_CN"
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return "zh_CN"  # Chinese is every user's working language, whatever the browser says


def _init_login(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in first.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str):
        from portal.web import sessions, signed_in

        valid_id = user_id.isascii() and user_id.isdigit() and len(user_id) < 10
        employee = signed_in.load(int(user_id)) if valid_id else None
        return employee if employee is not None and sessions.still_valid(employee) else None

    @app.before_request
    def force_password_change():
        """An admin-created password is a one-time key: nothing else opens until it is changed."""
        if (
            current_user.is_authenticated
            and current_user.must_change_password
            and request.endpoint not in ("auth.change_password", "auth.logout", "static",
                                         "main.healthz", "auth.set_language")
        ):
            return redirect(url_for("auth.change_password"))
        return None


def _register_blueprints(app: Flask) -> None:
    from portal.blueprints.admin import bp as admin_bp
    from portal.blueprints.auth import bp as auth_bp
    from portal.blueprints.documents import bp as documents_bp
    from portal.blueprints.hotline import bp as hotline_bp
    from portal.blueprints.main import bp as main_bp
    from portal.blueprints.qa import bp as qa_bp
    from portal.blueprints.reports import bp as reports_bp
    from portal.blueprints.stores import bp as stores_bp
    from portal.blueprints.warehouse import bp as warehouse_bp

    for bp in (main_bp, auth_bp, hotline_bp, stores_bp, warehouse_bp, qa_bp, reports_bp,
               admin_bp, documents_bp):
        app.register_blueprint(bp)


def _register_template_helpers(app: Flask) -> None:
    from flask_babel import get_locale

    from portal import display
    from portal.services.core.duties import areas_for

    app.jinja_env.filters.update(attr_path=display.attr_path, display=display.display,
                                 datetime=display.format_dt, date=display.format_d,
                                 qty=display.quantity)
    from portal.services.tickets.lifecycle import due_callbacks

    app.jinja_env.globals.update(audit_action_label=display.audit_action_label,
                                 page_url=display.page_url, age=display.age,
                                 due_callbacks=due_callbacks)

    def menu_areas() -> list:
        return areas_for(current_user) if current_user.is_authenticated else []

    # Functions, not a context processor: only full pages ask for the menu and the locale,
    # and HTMX fragments (most requests) no longer pay for them.
    app.jinja_env.globals.update(menu_areas=menu_areas, current_locale=lambda: str(get_locale()))

    @app.before_request
    def remember_area():
        g.area = request.blueprint

    from portal.web.args import refuse_unreadable_requests

    app.before_request(refuse_unreadable_requests)


def _register_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config["TRUST_PROXY"] and request.is_secure:
            # Behind the TLS proxy: browsers keep to https for a year (not on plain http,
            # where an intranet test box would lock itself out).
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
            response.vary.add("HX-Request")
        return response
