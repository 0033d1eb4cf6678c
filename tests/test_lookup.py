"""Caller lookup (来电弹屏): any phone, partial number, name, serial, ticket number."""

import pytest

from portal.extensions import db
from portal.services.core import uow
from portal.services.core.customers import lookup, normalise_phone
from tests import factories


@pytest.mark.parametrize("raw, digits", [
    ("138 0013 8000", "13800138000"),
    ("+86 138-0013-8000", "13800138000"),
    ("0086 13800138000", "13800138000"),
    ("021-6400 1234", "2164001234"),
    ("(021) 64001234", "2164001234"),
    ("", ""),
])
def test_phone_normalisation(raw, digits):
    assert normalise_phone(raw) == digits


@pytest.fixture
def customers(ctx):
    a = factories.customer(name="王璟", phone_mobile="13912345678", phone_home="021-64001234")
    b = factories.customer(name="王堃", phone_mobile="13700005678")
    c = factories.customer(name="李燊", phone_mobile="18611112222", phone_office="0571-88886666")
    factories.product(owner=c, serial="SNGLASS0001")
    return a, b, c


@pytest.mark.parametrize("query, expected", [
    ("13912345678", ["王璟"]),
    ("139 1234 5678", ["王璟"]),
    ("+86 139-1234-5678", ["王璟"]),
    ("5678", ["王璟", "王堃"]),      # last four digits
    ("1234", ["王璟"]),              # home phone ends 1234
    ("021-6400", ["王璟"]),           # start of a landline with area code
    ("88886666", ["李燊"]),
    ("王", ["王璟", "王堃"]),
    ("李燊", ["李燊"]),
    ("SNGLASS", ["李燊"]),
    ("snglass0001", ["李燊"]),
    ("999999", []),
    ("12", []),                       # too short to be a phone, no name either
])
def test_lookup_matches(customers, query, expected):
    assert sorted(c.name for c in lookup(query)) == sorted(expected)


def test_lookup_by_ticket_number(ctx):
    t = factories.ticket()
    assert [c.id for c in lookup(t.number)] == [t.customer_id]


def test_phone_change_updates_the_index(customers):
    a = customers[0]
    a.phone_mobile = "13500009999"
    db.session.commit()
    assert [c.name for c in lookup("13500009999")] == ["王璟"]
    assert "王璟" not in [c.name for c in lookup("13912345678")]


def test_lookup_page_and_fragment(app, auth, client):
    with app.app_context(), uow.transaction():
        factories.customer(name="赵燊", phone_mobile="13655556666")
    auth.login("20001")
    page = client.get("/hotline/?q=5556666")
    assert page.status_code == 200 and "赵燊" in page.get_data(as_text=True)
    fragment = client.get("/hotline/?q=赵", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "赵燊" in fragment and "<html" not in fragment


def test_phone_link_opens_the_card_or_the_new_customer_form(app, auth, client):
    with app.app_context(), uow.transaction():
        cid = factories.customer(name="钱堃", phone_mobile="13677778888").id
    auth.login("20001")
    known = client.get("/hotline/?phone=%2B86%20136-7777-8888")
    assert known.status_code == 302 and known.location.endswith(f"/hotline/customers/{cid}")
    unknown = client.get("/hotline/?phone=13000000001")
    assert "/hotline/customers/new?phone=13000000001" in unknown.location
    form = client.get(unknown.location).get_data(as_text=True)
    assert 'value="13000000001"' in form


def test_caller_card_shows_products_tickets_and_calls(app, auth, client):
    with app.app_context(), uow.transaction():
        owner = factories.customer(name="孙璟")
        factories.product(owner=owner, serial="SNCARD001")
        t = factories.ticket(owner=owner, short_text="门框变形")
        cid, number = owner.id, t.number
    auth.login("20001")
    html = client.get(f"/hotline/customers/{cid}").get_data(as_text=True)
    assert "SNCARD001" in html and number in html and "门框变形" in html
    assert "In warranty" in html or "保修" in html


def test_phone_suffix_keeps_its_leading_zero(ctx):
    factories.customer(name="尾号零", phone_mobile="13800005206")
    factories.customer(name="尾号一", phone_mobile="13800015206")
    assert [c.name for c in lookup("05206")] == ["尾号零"]


def test_lookup_by_customer_number_any_case_with_products_listed(customers):
    """The customer no. (客户编号) finds its customer; the result lists its products."""
    c = customers[2]
    found = lookup(c.code.lower())
    assert [m.name for m in found] == ["李燊"]
    assert [p.serial for p in found[0].products] == ["SNGLASS0001"]
    assert found[0].phones == ["18611112222", "0571-88886666"]
