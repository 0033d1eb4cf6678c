"""Stores pages show each user only the links and buttons their duties open (issue 10).

A branch with work at every stage is set up through the services; then each store account
(and the service manager, who reads everything) walks every stores page it can reach. No link
it is shown answers 403, and every form on those pages posts to a route whose duty it holds.
"""

import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AppointmentStatus, DispatchCategory, PaymentMethod, PriceItem, Warranty
from portal.models.base import utcnow
from portal.services.core import uow
from portal.services.stores import appointments, dispatch, estimates, goods_in, reception
from tests import factories
from tests.conftest import Auth

MAX_PAGES = 60


def _branch_at_work() -> None:
    rep, boss, tech = (factories.employee(no) for no in ("30001", "30002", "30003"))
    factories.ticket(short_text="刚报修")  # nothing done yet: the buttons to begin are shown
    ticket = factories.ticket(short_text="付费维修")
    reception.record_reception(ticket, reception.ReceptionInput("更换地弹簧", Warranty.OUT), rep,
                               survey_done=True)
    lines = [reception.InspectionLineInput(position=p, ok=True)
             for p in reception.FIXED_POSITIONS]
    reception.save_inspection(ticket, lines, rep)
    estimate = estimates.start(ticket, rep)
    item = db.session.scalar(sa.select(PriceItem).where(PriceItem.code == "AZ-001"))
    estimates.add_price_line(estimate, item, Decimal("1"), by=rep)
    estimates.update_header(estimate, estimates.EstimateHeader(
        promised_at=utcnow() + timedelta(days=3), payment_method=PaymentMethod.CASH), by=rep)
    estimates.approve(estimate, "周先生", None, rep)
    dispatch.create_dispatch(ticket, dispatch.DispatchDraft(
        category=DispatchCategory.MAINTENANCE, planned_date=utcnow() + timedelta(hours=1),
        technician_ids=[tech.id], planned_hours=Decimal("2")), boss)
    goods_in.take_in(ticket, "地弹簧旧件", None, rep)
    missed = appointments.book(ticket, utcnow() + timedelta(hours=2),
                               utcnow() + timedelta(hours=3), None, None, rep)
    appointments.mark(missed, AppointmentStatus.NO_SHOW, rep)
    appointments.book(ticket, utcnow() + timedelta(days=1),
                      utcnow() + timedelta(days=1, hours=1), tech, None, rep)


def _required(app, path: str, method: str) -> tuple | None:
    adapter = app.url_map.bind("localhost")
    endpoint, _args = adapter.match(path, method=method)
    return getattr(app.view_functions[endpoint], "required_permissions", None)


@pytest.mark.parametrize("employee_no", ["30001", "30002", "30003", "60001"])
def test_no_stores_link_or_button_answers_403(app, employee_no):
    with app.app_context(), uow.transaction():
        _branch_at_work()
    with app.app_context():
        duties = factories.employee(employee_no).permissions
    client = app.test_client()
    Auth(client).login(employee_no)
    seen, queue, forms = set(), ["/stores/"], {}
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        answer = client.get(path)
        assert answer.status_code != 403 and answer.status_code < 500, (path, answer.status)
        if not path.startswith("/stores/") or "html" not in answer.content_type:
            continue
        html = answer.get_data(as_text=True)
        for href in re.findall(r'<a [^>]*href="([^"#]+)', html):
            href = href.replace("&amp;", "&")
            if href.startswith("/") and not href.startswith(("/static/", "/logout")):
                queue.append(href)
        for action in re.findall(r'<form [^>]*method="post"[^>]*action="([^"]+)"', html):
            forms.setdefault(urlsplit(action).path, path)
    assert len(seen) > 5
    for action, page in forms.items():
        required = _required(app, action, "POST")
        assert required is None or duties & set(required), (action, "shown on", page)
