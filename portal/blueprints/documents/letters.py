"""Contact letters (售后服务联络函): list, write (from a ticket, a complaint or on their own),
read, correct. Printing is in `printing`.

Agents (hotline.view) read every letter; store users (stores.view) the letters of their own
branch (services.contact_letters.visible_to). Another branch's letter answers 404. Writing
and correcting a letter is the duty `letter.write`.
"""

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.documents import bp
from portal.blueprints.documents.forms import LetterForm
from portal.extensions import db
from portal.models import ContactLetter
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.core.audit import history
from portal.services.hotline import contact_letters
from portal.timeutil import to_local
from portal.web.guards import permission_required
from portal.web.rendering import refused, render

WHO_READS = ("hotline.view", "stores.view")
WHO_WRITES = WHO_READS  # the old name, still imported by `printing` (reading the PDF)


@bp.get("/letters")
@permission_required(*WHO_READS)
def letter_list():
    q = request.args.get("q", "").strip()[:60]
    page = db.paginate(contact_letters.search_statement(q, current_user),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render("documents/letters/list.html", "documents/letters/_table.html", page=page, q=q)


@bp.get("/letters/new")
@permission_required("letter.write")
def letter_new():
    ticket = complaint = None
    if request.args.get("ticket"):
        ticket = contact_letters.find_ticket(request.args["ticket"], current_user)
        if ticket is None:
            abort(404)
    if request.args.get("complaint"):
        complaint = contact_letters.find_complaint(request.args["complaint"], current_user)
        if complaint is None:
            abort(404)
    now = to_local(utcnow()).replace(tzinfo=None, second=0, microsecond=0)
    form = LetterForm(formdata=None, sent_at=now,
                      **contact_letters.defaults(current_user, ticket, complaint))
    return _form_page(form)


@bp.post("/letters")
@permission_required("letter.write")
def letter_create():
    form = LetterForm()
    status = 400
    if form.validate_on_submit():
        try:
            letter = contact_letters.create_letter(form.draft(), current_user)
        except DomainError as exc:
            status = refused(exc, form)
        else:
            flash(_("Contact letter %(number)s saved.", number=letter.number), "success")
            return redirect(url_for("documents.letter_detail", number=letter.number))
    return _form_page(form, status=status)


@bp.get("/letters/<number>")
@permission_required(*WHO_READS)
def letter_detail(number: str):
    letter = _load(number)
    return render("documents/letters/detail.html", letter=letter, events=history(letter))


@bp.route("/letters/<number>/edit", methods=["GET", "POST"])
@permission_required("letter.write")
def letter_edit(number: str):
    letter = _load(number)
    if request.method == "GET":
        return _form_page(LetterForm.for_letter(letter), letter)
    form = LetterForm()
    status = 400
    if form.validate_on_submit():
        try:
            contact_letters.update_letter(letter, form.draft(), current_user)
        except DomainError as exc:
            status = refused(exc, form)
        else:
            flash(_("Contact letter %(number)s saved.", number=letter.number), "success")
            return redirect(url_for("documents.letter_detail", number=letter.number))
    return _form_page(form, letter, status=status)


def _load(number: str) -> ContactLetter:
    letter = contact_letters.load_for(number, current_user)
    if letter is None:
        abort(404)
    return letter


def _form_page(form: LetterForm, letter: ContactLetter | None = None, status: int = 200):
    return render("documents/letters/form.html", "documents/letters/_form.html", status=status,
                  form=form, letter=letter)
