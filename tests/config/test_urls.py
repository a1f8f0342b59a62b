def test_the_favicon_is_the_logo_for_anyone(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("/img/logo.svg")


def test_an_unknown_api_url_answers_in_the_api_error_shape(manager_client):
    response = manager_client.get("/api/datasets/abc/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_unknown_page_answers_with_the_404_page(manager_client):
    response = manager_client.get("/no-such-page/")
    assert response.status_code == 404
    assert "text/html" in response["Content-Type"]
