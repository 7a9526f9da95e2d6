"""Every dashboard page carries a strict Content-Security-Policy (django-csp): this origin only for
scripts, styles and everything else; no inline code, plugins, <base> or framing; forms post here (and to
Pinterest's authorize page, which the account connection redirects to); images and media may also come
from the S3 bucket when media lives there. (tests/e2e/test_content_security_policy.py checks in
Chromium that nothing on the pages breaks it.)"""

import json

import pytest

from tests.operations.test_logging_and_sentry import run_with

STRICT = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "media-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
}
PAGES = ["/app/", "/app/pins/", "/app/approvals/", "/app/compose/", "/app/calendar/", "/app/assets/",
         "/app/accounts/", "/app/team/", "/app/api-keys/", "/accounts/password_change/"]


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in filter(None, (piece.strip() for piece in header.split(";"))):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.mark.parametrize("path", PAGES)
def test_dashboard_pages_carry_the_strict_policy(cast, login, path):
    response = login(cast.admin).get(path)
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    for name, values in STRICT.items():
        assert policy[name] == values, (name, policy[name])
    assert "'self'" in policy["form-action"]
    assert not any("unsafe" in value for values in policy.values() for value in values)


PRINT_POLICY = ("import django; django.setup(); from django.test import Client; "
                "print(Client().get('/healthz')['Content-Security-Policy'])")


def test_media_in_s3_may_come_from_the_bucket_origin_and_forms_may_go_to_pinterest():
    policy = directives(run_with(PRINT_POLICY, MEDIA_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="media",
                                 AWS_S3_ENDPOINT_URL="https://s3.storage.example:9000/").stdout.strip())
    assert policy["img-src"] == ["'self'", "data:", "https://s3.storage.example:9000"]
    assert policy["media-src"] == ["'self'", "https://s3.storage.example:9000"]
    assert policy["form-action"] == ["'self'", "https://www.pinterest.com"]


def test_aws_itself_adds_its_regional_bucket_origins():
    policy = directives(run_with(PRINT_POLICY, MEDIA_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="media",
                                 AWS_S3_REGION_NAME="eu-west-3").stdout.strip())
    assert policy["img-src"] == ["'self'", "data:", "https://s3.eu-west-3.amazonaws.com",
                                 "https://media.s3.eu-west-3.amazonaws.com"]


def test_local_media_adds_no_origin():
    policy = directives(run_with(PRINT_POLICY).stdout.strip())
    assert json.dumps(policy["img-src"]) == json.dumps(["'self'", "data:"])
