# Copy each schedule's JSON payload into its content columns, and back on reverse. Assets are
# named in the payload by public id; an id that no longer names an asset of the schedule's
# workspace becomes no asset, as running the schedule would have refused it anyway.

import uuid

from django.db import migrations

TEXT_FIELDS = ("board_id", "title", "description", "link_url", "alt_text", "dominant_color", "image_url",
               "cover_image_url")
# The payload's keys in the order the /v1 API listed them (media_type last).
PAYLOAD_FIELDS = ("board_id", "title", "description", "link_url", "alt_text", "dominant_color", "related_terms",
                  "image_url", "asset_id", "cover_image_url", "cover_image_asset_id")


def _asset(Asset, workspace_id, public_id):
    try:
        return Asset.objects.filter(workspace_id=workspace_id, public_id=uuid.UUID(str(public_id))).first()
    except ValueError:
        return None


def payload_to_columns(apps, schema_editor):
    Schedule = apps.get_model("publishing", "Schedule")
    Asset = apps.get_model("publishing", "Asset")
    for schedule in Schedule.objects.iterator():
        payload = schedule.payload or {}
        for name in TEXT_FIELDS:
            setattr(schedule, name, payload.get(name) or "")
        schedule.related_terms = payload.get("related_terms") or []
        asset_id, cover_id = payload.get("asset_id"), payload.get("cover_image_asset_id")
        schedule.asset = _asset(Asset, schedule.workspace_id, asset_id) if asset_id else None
        schedule.cover_image_asset = _asset(Asset, schedule.workspace_id, cover_id) if cover_id else None
        schedule.save(update_fields=[*TEXT_FIELDS, "related_terms", "asset", "cover_image_asset"])


def columns_to_payload(apps, schema_editor):
    Schedule = apps.get_model("publishing", "Schedule")
    for schedule in Schedule.objects.select_related("asset", "cover_image_asset").iterator():
        assets = {"asset_id": schedule.asset, "cover_image_asset_id": schedule.cover_image_asset}
        payload = {name: (str(assets[name].public_id) if assets[name] else None) if name in assets
                   else getattr(schedule, name) for name in PAYLOAD_FIELDS}
        payload["media_type"] = schedule.asset.asset_type if schedule.asset else "image"
        schedule.payload = payload
        schedule.save(update_fields=["payload"])


class Migration(migrations.Migration):

    dependencies = [
        ("publishing", "0012_schedule_content_columns"),
    ]

    operations = [migrations.RunPython(payload_to_columns, columns_to_payload)]
