# plexportal: one image for the web (default command) and the worker (`worker`).
#   docker build -t plexportal .
#   docker run -d -p 8000:8000 -v plexportal-data:/data plexportal
# docker-compose.yml runs both; see docs/install.md. Published for amd64 and arm64 as
# ghcr.io/plexportal/plexportal (.github/workflows/docker-publish.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PLEXPORTAL_DATA_DIR=/data \
    PLEXPORTAL_BIND=0.0.0.0:8000

# What the owner's backup script needs when Backups → Run now starts it in the worker: a shell
# (sh and bash), rsync, and ssh for a destination on another machine. Not pinned (DL3008): Debian
# replaces these versions with security updates, and a pinned one would stop the image building.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends bash rsync openssh-client \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Every dependency ships as a wheel for amd64 and arm64: no compiler in the image.
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

RUN groupadd --system --gid 1000 plexportal \
 && useradd --system --uid 1000 --gid plexportal --home-dir /app --no-create-home --shell /usr/sbin/nologin plexportal \
 && mkdir -p /data /data/backups \
 && chown -R plexportal:plexportal /data
COPY . .
# The translation catalogues are compiled here (messages.po → messages.mo), not kept in git.
RUN python scripts/catalogues compile

USER 1000:1000
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "/app/deploy/docker/healthcheck.py"]
ENTRYPOINT ["/app/deploy/docker/entrypoint.sh"]
CMD ["web"]
