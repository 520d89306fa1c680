def test_token_is_issued_for_the_right_password(client):
    response = client.post("/api/v1/auth/token", json={"username": "clo.mc1", "password": "demo"})
    assert response.status_code == 200
    assert response.get_json()["token"]


def test_wrong_password_gets_a_structured_401(client):
    response = client.post("/api/v1/auth/token", json={"username": "clo.mc1", "password": "x"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "bad_credentials"


def test_unknown_user_is_told_the_same_as_a_wrong_password(client):
    response = client.post("/api/v1/auth/token", json={"username": "nobody", "password": "demo"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "bad_credentials"


def test_calls_without_a_token_are_refused(client):
    response = client.get("/api/v1/procedures")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "no_token"


def test_a_forged_token_is_refused(client):
    response = client.get("/api/v1/procedures", headers={"Authorization": "Bearer abc.def"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "bad_token"


def test_non_json_body_is_a_structured_error(client):
    response = client.post("/api/v1/auth/token", data="username=x", content_type="text/plain")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_json"


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert "error" in response.get_json()
