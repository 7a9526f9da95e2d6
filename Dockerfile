# Pinboard's container image: one image for the web (the default command), the publishing worker
# and the media worker (`python manage.py qcluster`, see compose.yaml) and the release step
# (`scripts/release database`). Each step calls a script that CI and the test suite run too:
# scripts/install (the locked install), scripts/release (collectstatic here), scripts/web (CMD),
# scripts/healthcheck (HEALTHCHECK); tests/foundation/test_production_server.py runs the last three
# against gunicorn with DEBUG=false, so what the image does is tested even where nothing builds it.
#
# The lock files are made for CPython 3.11 on x86_64 (manylinux_2_28): build for linux/amd64.

FROM python:3.11-slim-bookworm AS builder
WORKDIR /src
COPY scripts/install scripts/install
COPY requirements/ requirements/
# The runtime group only, from the hashed lock (no test tools). uv is just the installer: it is
# removed here so the final stage copies only the locked packages.
RUN VENV=/opt/venv scripts/install runtime \
 && /opt/venv/bin/uv pip uninstall --quiet --python /opt/venv/bin/python uv

FROM python:3.11-slim-bookworm
# PINBOARD_ENV_FILE empty: the image never reads a .env; configuration comes from the environment.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHON=/opt/venv/bin/python \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PINBOARD_ENV_FILE= \
    PINBOARD_VAR_DIR=/var/lib/pinboard \
    HOST=0.0.0.0 \
    PORT=8000
# A fixed, unprivileged user. Only /var/lib/pinboard (uploads on local disk, runtime files) is
# writable by it; the code, the venv and the collected static files belong to root.
RUN groupadd --system --gid 10001 pinboard \
 && useradd --system --uid 10001 --gid pinboard --home-dir /var/lib/pinboard --shell /usr/sbin/nologin pinboard \
 && mkdir -p /var/lib/pinboard/media \
 && chown -R pinboard:pinboard /var/lib/pinboard
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY . .
# collectstatic needs the settings to load with DEBUG off, which requires these three. The values
# exist only for this one command: they are not ENV or ARG, so they are in no layer's config and
# never reach a running container (which must be given real ones).
RUN DEBUG=false \
    SECRET_KEY=build-only-collectstatic-never-used-at-runtime \
    FIELD_ENCRYPTION_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
    SITE_URL=http://build.invalid \
    scripts/release static
# Numeric, so runtimes that check runAsNonRoot can tell it is not root.
USER 10001:10001
EXPOSE 8000
# Liveness of the web node (/healthz); compose.yaml gives the workers their own check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["python", "scripts/healthcheck"]
CMD ["scripts/web"]
