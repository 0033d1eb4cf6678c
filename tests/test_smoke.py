def test_demo_agent_signs_in_and_lands_on_the_hotline(auth, client):
    response = auth.login("20001")
    assert response.status_code == 302
    page = client.get("/", follow_redirects=True)
    assert page.request.path == "/hotline/"
