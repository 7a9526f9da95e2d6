import base64, json
import pytest
from django.test import Client
from publishing.services.keys import api_key_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_probe(cast, workspace):
    c = Client(raise_request_exception=False)
    key = api_key_create(workspace=workspace, name="p", scopes=["read", "write", "destructive"]).plaintext
    for payload in (["2026-01-01T00:00:00+00:00", 10**30], ["2026-01-01T00:00:00", 5], ["0001-01-01T00:00:00+14:00", 5], [1, 2], {"a": 1, "b": 2}):
        cur = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()
        r = c.get("/v1/activity-logs", {"cursor": cur}, HTTP_X_API_KEY=key)
        print("cursor", payload, r.status_code, r.content[:150])
    for i in range(5):
        api_key_create(workspace=workspace, name=f"k{i}")
    from publishing.services.keys import api_key_revoke
    from publishing.models import ApiKey
    api_key_revoke(key=ApiKey.objects.get(name="k0"))
    for i in range(5):
        api_key_create(workspace=workspace, name=f"j{i}")
    r = c.get("/v1/activity-logs", {"status": "canceled", "limit": 3}, HTTP_X_API_KEY=key)
    print("status", r.status_code, r.content[:600])
