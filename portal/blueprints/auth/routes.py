"""Sign in, sign out, change password, switch language."""

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal.blueprints.auth import bp, throttle
from portal.blueprints.auth.forms import ChangePasswordForm, LanguageForm, LoginForm
from portal.extensions import db
from portal.services import DomainError
from portal.services.core import auth as auth_service
from portal.services.core.auth import LoginRefused, authenticate
from portal.web import sessions
from portal.web.guards import public
from portal.web.rendering import refused, safe_next


def _safe_next(target: str | None) -> str:
    return safe_next(target, url_for("main.home"))


@bp.route("/login", methods=["GET", "POST"])
@public  # throttled per address and per typed number: throttle.py puts the limits on
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm(next=request.args.get("next", ""))
    error = None
    if form.validate_on_submit():
        try:
            employee = authenticate(form.employee_no.data, form.password.data,
                                    throttle.guard().rules())
        except LoginRefused as exc:
            error = exc.message
        else:
            locale = session.get("locale")
            session.clear()  # a fresh session on sign-in: no fixation
            login_user(employee)
            sessions.begin(employee)
            if not employee.locale and locale:
                employee.locale = locale
                db.session.flush()
            if employee.must_change_password:
                flash(_("Please set your own password before you continue."), "warning")
                return redirect(url_for("auth.change_password"))
            return redirect(_safe_next(form.next.data))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
@login_required
def logout():
    """Signing out ends this employee's sessions everywhere, not only this browser's cookie."""
    auth_service.end_sessions(current_user)
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    forced = current_user.must_change_password
    if form.validate_on_submit():
        try:
            auth_service.change_password(current_user, form.current_password.data,
                                         form.new_password.data, forced=forced)
        except DomainError as exc:
            refused(exc, form, {None: "new_password"})
        else:
            sessions.begin(current_user)  # this session goes on in the new epoch
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("main.home"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/change_password.html", form=form, forced=forced), status


@bp.post("/language")
@public  # the sign-in page has the language switch too
def set_language():
    form = LanguageForm()
    if form.validate_on_submit() and form.locale.data in current_app.config["LANGUAGES"]:
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            current_user.locale = form.locale.data
            db.session.flush()
    return redirect(_safe_next(_local_part(request.referrer)))


def _local_part(url: str | None) -> str | None:
    """Path and query of the page the switch was pressed on: the search and page survive."""
    if not url:
        return None
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
