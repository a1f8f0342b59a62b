def test_the_favicon_is_the_logo_for_anyone(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("/img/logo.svg")
