"""MEDIA_STORAGE picks the storage: local disk unless it says s3, then django-storages' S3 backend
configured under django-storages' own AWS_* names. Each case reads the real settings module in a
fresh process with that environment."""

import subprocess

import pytest

from tests.storage_fixtures import storages_from_settings

S3_ENV = {
    "MEDIA_STORAGE": "s3",
    "AWS_STORAGE_BUCKET_NAME": "team-media",
    "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
    "AWS_ACCESS_KEY_ID": "access",
    "AWS_SECRET_ACCESS_KEY": "secret",
    "AWS_S3_REGION_NAME": "eu-west-3",
}


def test_local_disk_is_the_default():
    assert storages_from_settings({"MEDIA_STORAGE": ""})["default"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_s3_reads_django_storages_own_setting_names():
    default = storages_from_settings(S3_ENV)["default"]

    assert default["BACKEND"] == "publishing.media_storage.S3MediaStorage"
    options = default["OPTIONS"]
    assert {name: options[name] for name in ("bucket_name", "endpoint_url", "access_key", "secret_key",
                                             "region_name")} == {
        "bucket_name": "team-media", "endpoint_url": "http://127.0.0.1:9000", "access_key": "access",
        "secret_key": "secret", "region_name": "eu-west-3"}
    # Private objects, presigned v4 links that expire in minutes, path-style addressing.
    signing = (options["default_acl"], options["querystring_auth"], options["querystring_expire"])
    assert signing == ("private", True, 300)
    assert (options["signature_version"], options["addressing_style"]) == ("s3v4", "path")
    assert options["file_overwrite"] is False


def test_the_presigned_link_lifetime_comes_from_the_environment():
    options = storages_from_settings({**S3_ENV, "AWS_QUERYSTRING_EXPIRE": "60"})["default"]["OPTIONS"]
    assert options["querystring_expire"] == 60


@pytest.mark.parametrize(("env", "message"), [
    ({"MEDIA_STORAGE": "ftp"}, "MEDIA_STORAGE must be 'local' or 's3'"),
    ({**S3_ENV, "AWS_STORAGE_BUCKET_NAME": ""}, "AWS_STORAGE_BUCKET_NAME must be set"),
])
def test_a_wrong_storage_configuration_stops_the_start(env, message):
    with pytest.raises(subprocess.CalledProcessError) as failed:
        storages_from_settings(env)
    assert message in failed.value.stderr
