def login(client, password):
    return client.post("/api/v1/auth/token", json={"username": "clo.mc2", "password": password})


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client):
    for _ in range(5):
        assert login(client, "sai").get_json()["error"]["code"] == "bad_credentials"
    locked = login(client, "demo")
    assert locked.status_code == 401
    assert locked.get_json()["error"]["code"] == "locked"
    assert "khóa" in locked.get_json()["error"]["message"]


def test_a_right_password_resets_the_count(client):
    for _ in range(4):
        login(client, "sai")
    assert login(client, "demo").status_code == 200
    for _ in range(4):
        login(client, "sai")
    assert login(client, "demo").status_code == 200
