"""Admin master data screens (基础数据): create, edit, deactivate, search, paginate, bad input."""

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Customer, Employee, OrgUnit, PriceItem, Product
from tests import factories
from tests.webforms import form_fields


@pytest.fixture
def admin(auth, client):
    auth.login("10001")
    return client


def _new_form(client, slug: str) -> dict:
    return form_fields(client.get(f"/admin/{slug}/new").get_data(as_text=True))


def test_admin_creates_a_customer_and_gets_an_assigned_number(app, admin):
    data = _new_form(admin, "customers")
    data.update(name="上海璟燊玻璃有限公司", kind="company", phone_office="021-64001234",
                province="上海市", city="上海市", district="徐汇区", street="漕溪北路1号",
                attribute="annual_contract")
    response = admin.post("/admin/customers/new", data=data)
    assert response.status_code == 302
    with app.app_context():
        customer = db.session.scalars(sa.select(Customer)).one()
        assert customer.code.startswith("KH") and customer.code.endswith("-000001")
        assert customer.address == "上海市上海市徐汇区漕溪北路1号"
    page = admin.get(response.location).get_data(as_text=True)
    assert "上海璟燊玻璃有限公司" in page


def test_customer_without_any_phone_is_refused_and_input_kept(app, admin):
    data = _new_form(admin, "customers")
    data.update(name="无电话客户", street="文三路90号")
    response = admin.post("/admin/customers/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'class="error"' in html
    assert 'value="无电话客户"' in html and 'value="文三路90号"' in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 0


def test_over_long_and_malformed_values_get_field_errors_not_500(admin):
    data = _new_form(admin, "customers")
    data.update(name="客" * 101, phone_mobile="abc", postal_code="12", email="not-an-email")
    response = admin.post("/admin/customers/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert html.count('class="error"') >= 4


def test_duplicate_employee_number_is_refused_next_to_the_field(app, admin):
    with app.app_context():
        unit_id = factories.org_unit("S4001").id
    data = _new_form(admin, "employees")
    data.update(employee_no="20001", name="重复工号", org_unit_id=str(unit_id),
                one_time_password="start-1234")
    response = admin.post("/admin/employees/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="employee_no-err"' in html
    assert 'value="重复工号"' in html
    with app.app_context():
        assert db.session.scalar(
            sa.select(sa.func.count()).where(Employee.employee_no == "20001")) == 1


def test_new_employee_needs_a_one_time_password_and_must_change_it(app, admin, auth, client):
    with app.app_context():
        unit_id = factories.org_unit("S4002").id
        group_id = factories.group("store_rep").id
    data = _new_form(admin, "employees")
    data.update(employee_no="31002", name="新员工", org_unit_id=str(unit_id),
                group_ids=[str(group_id)])
    assert admin.post("/admin/employees/new", data=data).status_code == 400  # no password
    data["one_time_password"] = "start-1234"
    assert admin.post("/admin/employees/new", data=data).status_code == 302
    auth.logout()
    response = auth.login("31002", "start-1234")
    assert response.location.endswith("/account/password")
    assert client.get("/stores/").location.endswith("/account/password")
    with app.app_context():
        employee = factories.employee("31002")
        assert employee.must_change_password and employee.group_codes == {"store_rep"}


def test_duplicate_serial_is_refused(app, admin):
    with app.app_context():
        factories.product(serial="SN-DUP-1")
    data = _new_form(admin, "products")
    data.update(serial="SN-DUP-1", category="家电")
    response = admin.post("/admin/products/new", data=data)
    assert response.status_code == 400
    assert 'id="serial-err"' in response.get_data(as_text=True)


def test_product_owner_is_given_by_customer_number(app, admin):
    with app.app_context():
        owner_id = factories.customer(code="C-OWNER").id
    data = _new_form(admin, "products")
    data.update(serial="SN-NEW-1", category="家电", customer_code="C-NOBODY",
                purchase_date="2026-05-01", warranty_end="2026-04-01")
    response = admin.post("/admin/products/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="customer_code-err"' in html and 'id="warranty_end-err"' in html
    data.update(customer_code="C-OWNER", warranty_end="2028-05-01")
    assert admin.post("/admin/products/new", data=data).status_code == 302
    with app.app_context():
        product = db.session.scalar(sa.select(Product).where(Product.serial == "SN-NEW-1"))
        assert product.customer_id == owner_id


def test_price_item_shows_hours_times_rate(app, admin):
    data = _new_form(admin, "price-items")
    data.update(code="AZ-900", name="门窗安装", kind="installation", unit="樘",
                standard_hours="2.5", hourly_rate="80", price="", valid_from="2026-01-01")
    assert admin.post("/admin/price-items/new", data=data).status_code == 302
    html = admin.get("/admin/price-items/?q=AZ-900").get_data(as_text=True)
    assert "200.00" in html  # 2.5 h × ¥80
    with app.app_context():
        item = db.session.scalar(sa.select(PriceItem).where(PriceItem.code == "AZ-900"))
        assert item.price == 0


def test_deactivate_hides_from_list_but_keeps_the_record(app, admin, auth):
    with app.app_context():
        customer_id = factories.customer(name="停用客户").id
    token = auth.csrf_token(f"/admin/customers/{customer_id}")
    response = admin.post(f"/admin/customers/{customer_id}/active",
                          data={"active": "0", "csrf_token": token})
    assert response.status_code == 302
    assert "停用客户" not in admin.get("/admin/customers/").get_data(as_text=True)
    assert "停用客户" in admin.get("/admin/customers/?inactive=1").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Customer, customer_id).active is False


def test_admin_cannot_deactivate_own_account(app, admin, auth):
    with app.app_context():
        me = factories.employee("10001").id
    token = auth.csrf_token(f"/admin/employees/{me}")
    admin.post(f"/admin/employees/{me}/active", data={"active": "0", "csrf_token": token})
    with app.app_context():
        assert db.session.get(Employee, me).active is True


def test_deactivated_org_unit_is_not_offered_for_new_employees(app, admin, auth):
    with app.app_context():
        unit = factories.org_unit("S4003")
        unit.active = False
        db.session.commit()
        unit_id = unit.id
    html = admin.get("/admin/employees/new").get_data(as_text=True)
    assert f'value="{unit_id}">S4003' not in html
    assert ">S4001 上海徐汇责任中心<" in html


def test_search_and_pagination_keep_the_filter(app, admin):
    with app.app_context():
        for i in range(25):
            factories.customer(name=f"分页客户{i:02d}")
        factories.customer(name="其他人")
    first = admin.get("/admin/customers/?q=分页").get_data(as_text=True)
    assert "其他人" not in first
    assert first.count("分页客户") == 20
    assert "page=2" in first and "q=" in first
    second = admin.get("/admin/customers/?q=分页&page=2").get_data(as_text=True)
    assert second.count("分页客户") == 5


def test_search_treats_percent_literally(app, admin):
    with app.app_context():
        factories.customer(name="折扣50%客户")
        factories.customer(name="普通客户")
    html = admin.get("/admin/customers/?q=50%25").get_data(as_text=True)
    assert "折扣50%客户" in html and "普通客户" not in html


def test_htmx_search_returns_only_the_table_fragment(admin):
    response = admin.get("/admin/customers/?q=x", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and 'data-testid="records"' in html
    assert "HX-Request" in response.headers.get("Vary", "")


def test_group_permissions_are_edited_as_checkboxes(app, admin):
    with app.app_context():
        group_id = factories.group("technician").id
    data = form_fields(admin.get(f"/admin/groups/{group_id}").get_data(as_text=True))
    assert sorted(data["permission_codes"]) == ["feedback.give", "job.work", "stores.view"]
    data["permission_codes"] = ["stores.view", "job.work", "reports.view"]
    assert admin.post(f"/admin/groups/{group_id}", data=data).status_code == 302
    with app.app_context():
        assert factories.group("technician").permissions == {"stores.view", "job.work",
                                                             "reports.view"}
    data["permission_codes"] = ["no.such.permission"]
    assert admin.post(f"/admin/groups/{group_id}", data=data).status_code == 400


def test_unknown_kind_and_record_are_404(admin):
    assert admin.get("/admin/nothing/").status_code == 404
    assert admin.get("/admin/customers/999999").status_code == 404


def test_org_unit_parent_choice(app, admin):
    with app.app_context():
        region = factories.org_unit("R-EAST").id
    data = _new_form(admin, "org-units")
    data.update(code="S4009", name="苏州园区责任中心", kind="branch", parent_id=str(region))
    assert admin.post("/admin/org-units/new", data=data).status_code == 302
    with app.app_context():
        unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == "S4009"))
        assert unit.parent_id == region
