import pytest
from cryptography.fernet import Fernet

from pinboard_site.env import (
    ImproperlyConfiguredEnv,
    env_bool,
    env_fernet_keys,
    env_int,
    env_list,
    env_str,
    env_url,
)


def test_env_str_returns_default_when_unset(monkeypatch):
    monkeypatch.delenv("PB_TEST_VALUE", raising=False)
    assert env_str("PB_TEST_VALUE", "fallback") == "fallback"


def test_env_str_required_names_the_missing_variable(monkeypatch):
    monkeypatch.delenv("PB_TEST_VALUE", raising=False)
    with pytest.raises(ImproperlyConfiguredEnv, match="PB_TEST_VALUE must be set"):
        env_str("PB_TEST_VALUE", required=True)


def test_file_variant_is_read_and_stripped(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    monkeypatch.setenv("PB_TEST_VALUE_FILE", str(secret))
    monkeypatch.setenv("PB_TEST_VALUE", "ignored-when-file-given")
    assert env_str("PB_TEST_VALUE") == "s3cret"


def test_unreadable_file_variant_fails_loudly(monkeypatch, tmp_path):
    monkeypatch.setenv("PB_TEST_VALUE_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfiguredEnv, match="PB_TEST_VALUE_FILE"):
        env_str("PB_TEST_VALUE")


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("TRUE", True), ("yes", True), ("off", False), ("0", False)]
)
def test_env_bool_accepts_the_usual_words(monkeypatch, raw, expected):
    monkeypatch.setenv("PB_TEST_FLAG", raw)
    assert env_bool("PB_TEST_FLAG") is expected


def test_env_bool_rejects_anything_else(monkeypatch):
    monkeypatch.setenv("PB_TEST_FLAG", "maybe")
    with pytest.raises(ImproperlyConfiguredEnv, match="PB_TEST_FLAG must be a boolean"):
        env_bool("PB_TEST_FLAG")


def test_env_int_parses_and_checks_bounds(monkeypatch):
    monkeypatch.setenv("PB_TEST_PORT", " 8080 ")
    assert env_int("PB_TEST_PORT", 1, minimum=1, maximum=65535) == 8080
    monkeypatch.setenv("PB_TEST_PORT", "70000")
    with pytest.raises(ImproperlyConfiguredEnv, match="between 1 and 65535"):
        env_int("PB_TEST_PORT", 1, minimum=1, maximum=65535)
    monkeypatch.setenv("PB_TEST_PORT", "eighty")
    with pytest.raises(ImproperlyConfiguredEnv, match="must be an integer"):
        env_int("PB_TEST_PORT", 1)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("PB_TEST_HOSTS", "a.example, b.example,,")
    assert env_list("PB_TEST_HOSTS") == ["a.example", "b.example"]
    monkeypatch.delenv("PB_TEST_HOSTS")
    assert env_list("PB_TEST_HOSTS", ["x"]) == ["x"]


def test_env_list_treats_an_empty_value_as_unset(monkeypatch):
    monkeypatch.setenv("PB_TEST_HOSTS", " ")
    assert env_list("PB_TEST_HOSTS", ["derived.example"]) == ["derived.example"]


@pytest.mark.parametrize("raw", ["pinboard.example.com", "ftp://pinboard.example.com", "https://", "https://x.test/?a=1"])
def test_env_url_refuses_what_is_not_an_absolute_http_url(monkeypatch, raw):
    monkeypatch.setenv("PB_TEST_URL", raw)
    with pytest.raises(ImproperlyConfiguredEnv, match="PB_TEST_URL must"):
        env_url("PB_TEST_URL")


def test_env_url_drops_the_trailing_slash(monkeypatch):
    monkeypatch.setenv("PB_TEST_URL", "https://pinboard.example.com/base/")
    assert env_url("PB_TEST_URL") == "https://pinboard.example.com/base"


def test_env_fernet_keys_names_the_bad_key_by_position_never_by_value(monkeypatch):
    good = Fernet.generate_key().decode()
    monkeypatch.setenv("PB_TEST_KEYS", f"{good}, not-a-fernet-key-secret")
    with pytest.raises(ImproperlyConfiguredEnv, match="key 2 of 2 is not a Fernet key") as refused:
        env_fernet_keys("PB_TEST_KEYS")
    assert "not-a-fernet-key-secret" not in str(refused.value)
    monkeypatch.setenv("PB_TEST_KEYS", f" {good} ,")
    assert env_fernet_keys("PB_TEST_KEYS") == good
