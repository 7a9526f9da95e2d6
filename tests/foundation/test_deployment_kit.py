"""The deployment kit (Dockerfile, compose.yaml) holds together where no container can be built:
every command they run exists, the image's build step works with only the values the Dockerfile
gives it, the topology has each tier, and compose sets only variables Pinboard reads."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands

BASE_DIR = Path(__file__).resolve().parent.parent.parent
APP_SERVICES = {"release", "web", "worker", "media-worker", "sandbox"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "compose.yaml").read_text())


def dockerfile_instructions() -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` for each instruction, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (BASE_DIR / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def as_argv(command) -> list[str]:
    if isinstance(command, str):
        return shlex.split(command)
    if command and command[0] in ("CMD", "CMD-SHELL"):
        command = command[1:]
    return list(command)


def assert_runnable(argv: list[str], where: str) -> None:
    """scripts/* must exist and be executable; `python manage.py <name>` must be a real command."""
    for index, word in enumerate(argv):
        if word.startswith("scripts/"):
            path = BASE_DIR / word
            assert path.is_file() and os.access(path, os.X_OK), f"{where}: {word} is not an executable script"
        if word == "manage.py":
            assert argv[index + 1] in get_commands(), f"{where}: manage.py {argv[index + 1]} is no command"


def test_compose_has_every_tier(compose):
    services = compose["services"]
    assert APP_SERVICES | {"postgres", "redis", "minio", "minio-bucket"} <= set(services)
    assert services["minio"]["profiles"] == ["s3"] and services["minio-bucket"]["profiles"] == ["s3"]
    assert "media" in compose["volumes"]
    media_root = services["web"]["environment"]["MEDIA_ROOT"]
    for name in APP_SERVICES:
        service = services[name]
        assert service["build"] == "." and service["image"] == services["web"]["image"], name
        assert f"media:{media_root}" in service["volumes"], f"{name} does not share the media volume"
        assert service["environment"]["DATABASE_URL"].startswith("postgres://"), name
        assert service["environment"]["REDIS_URL"].startswith("redis://redis:"), name


def test_compose_runs_each_cluster_on_its_own_queue(compose):
    services = compose["services"]
    assert as_argv(services["worker"]["command"]) == ["python", "manage.py", "qcluster"]
    assert as_argv(services["media-worker"]["command"]) == ["python", "manage.py", "qcluster"]
    assert "Q_CLUSTER_NAME" not in services["worker"]["environment"], "the publishing cluster is the default one"
    assert services["media-worker"]["environment"]["Q_CLUSTER_NAME"] == settings.Q_MEDIA_CLUSTER
    assert settings.Q_MEDIA_CLUSTER in settings.Q_CLUSTER["ALT_CLUSTERS"]
    assert "--cluster" not in as_argv(services["worker"]["healthcheck"]["test"])
    media_check = as_argv(services["media-worker"]["healthcheck"]["test"])
    assert media_check[media_check.index("--cluster") + 1] == settings.Q_MEDIA_CLUSTER


def test_everything_waits_for_the_release_step_which_waits_for_its_databases(compose):
    services = compose["services"]
    assert as_argv(services["release"]["command"]) == ["scripts/release", "database"]
    assert services["release"]["restart"] == "no"
    assert services["release"]["depends_on"] == {"postgres": {"condition": "service_healthy"},
                                                 "redis": {"condition": "service_healthy"}}
    for name in APP_SERVICES - {"release"}:
        assert services[name]["depends_on"]["release"] == {"condition": "service_completed_successfully"}, name


def test_every_command_compose_and_the_dockerfile_run_exists(compose):
    for name, service in compose["services"].items():
        if name in APP_SERVICES:
            assert_runnable(as_argv(service["command"]), f"compose {name}")
            if "test" in service.get("healthcheck", {}):
                assert_runnable(as_argv(service["healthcheck"]["test"]), f"compose {name} healthcheck")
    for instruction, arguments in dockerfile_instructions():
        if instruction in ("RUN", "CMD", "HEALTHCHECK", "COPY"):
            words = shlex.split(arguments.replace("[", " ").replace("]", " ").replace(",", " "))
            assert_runnable(words, f"Dockerfile {instruction}")


def test_the_systemd_units_run_existing_commands_and_the_media_unit_its_own_queue():
    units = {path.name: path.read_text() for path in (BASE_DIR / "deploy/systemd").glob("*.service")}
    assert set(units) == {"pinboard-release.service", "pinboard-web.service", "pinboard-worker.service",
                          "pinboard-media-worker.service"}
    for name, text in units.items():
        exec_start = re.search(r"^ExecStart=(.+)$", text, re.MULTILINE).group(1)
        argv = [word.removeprefix("/opt/pinboard/") for word in shlex.split(exec_start)]
        assert_runnable(argv, name)
        assert "Environment=PINBOARD_ENV_FILE=\n" in text, f"{name} must not read a .env beside the code"
        if name != "pinboard-release.service":
            assert "Requires=pinboard-release.service" in text, name
    assert f"Environment=Q_CLUSTER_NAME={settings.Q_MEDIA_CLUSTER}\n" in units["pinboard-media-worker.service"]
    assert "Q_CLUSTER_NAME" not in units["pinboard-worker.service"]


def test_compose_serves_the_sandbox_api_from_its_own_process_for_web_and_workers(compose):
    """Sandbox workspaces' calls to Pinterest (from web requests and from jobs) go to the sandbox
    service's gunicorn, never to a thread of the web that may be the one waiting for the answer."""
    services = compose["services"]
    assert as_argv(services["sandbox"]["command"]) == ["scripts/web"] and "ports" not in services["sandbox"]
    for name in ("web", "worker", "media-worker"):
        assert services[name]["environment"]["SANDBOX_API_BASE_URL"] == "http://sandbox:8000", name
    assert "sandbox" in services["sandbox"]["environment"]["ALLOWED_HOSTS"].split(",")


def test_compose_sets_only_variables_pinboard_reads():
    """A typo in compose.yaml's environment would silently configure nothing."""
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", (BASE_DIR / ".env.example").read_text(), re.MULTILINE))
    text = yaml.safe_load((BASE_DIR / "compose.yaml").read_text())
    for name in APP_SERVICES:
        for variable in text["services"][name]["environment"]:
            assert variable in documented or variable == "Q_CLUSTER_NAME", f"{name}: {variable} is not in .env.example"


def test_the_image_installs_the_runtime_lock_and_runs_unprivileged_with_a_health_check():
    instructions = dockerfile_instructions()
    stages = [arguments for instruction, arguments in instructions if instruction == "FROM"]
    assert len(stages) >= 2 and all(stage.startswith("python:3.11-slim") for stage in stages), "multi-stage, slim"
    runs = [arguments for instruction, arguments in instructions if instruction == "RUN"]
    assert any("scripts/install runtime" in run for run in runs)
    assert any("scripts/release static" in run for run in runs), "collectstatic at build"
    user = [arguments for instruction, arguments in instructions if instruction == "USER"][-1]
    assert user.split(":")[0] not in ("0", "root")
    assert [index for index, (instruction, _) in enumerate(instructions) if instruction == "USER"][-1] > max(
        index for index, (instruction, _) in enumerate(instructions) if instruction == "RUN"
    ), "no RUN as root after USER"
    assert any(
        instruction == "HEALTHCHECK" and "scripts/healthcheck" in arguments for instruction, arguments in instructions
    )
    # Build-time secrets live only in the one RUN command, never in ENV or ARG (which images keep).
    for instruction, arguments in instructions:
        if instruction in ("ENV", "ARG"):
            assert "SECRET_KEY" not in arguments and "FIELD_ENCRYPTION_KEY" not in arguments, arguments


def test_the_image_build_step_collects_static_files_with_only_the_values_the_dockerfile_gives(tmp_path):
    """Runs the Dockerfile's collectstatic RUN line here, in an environment holding nothing else:
    a required setting added later without a build-time value fails this test, not the image build."""
    run = next(arguments for instruction, arguments in dockerfile_instructions()
               if instruction == "RUN" and "scripts/release static" in arguments)
    words = shlex.split(run)
    assignments = dict(word.split("=", 1) for word in words[:words.index("scripts/release")])
    env = {"PATH": os.environ["PATH"], "PYTHON": sys.executable, "PINBOARD_ENV_FILE": "",
           "STATIC_ROOT": str(tmp_path / "static"), "PINBOARD_VAR_DIR": str(tmp_path / "var"), **assignments}
    result = subprocess.run([str(BASE_DIR / "scripts/release"), "static"], cwd=BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert assignments["DEBUG"] == "false"
    manifest = tmp_path / "static" / "staticfiles.json"
    assert manifest.exists() and "css/pinboard.css" in manifest.read_text()


def test_the_docker_build_context_leaves_out_secrets_and_local_state():
    ignored = {line.strip() for line in (BASE_DIR / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".env", "*.env", ".venv", "var", ".git"} <= ignored
    assert not {"scripts", "requirements", "static", "templates", "publishing"} & ignored
