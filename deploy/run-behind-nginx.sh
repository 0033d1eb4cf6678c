#!/usr/bin/env bash
# gunicorn + nginx from this checkout, in the foreground until Ctrl-C (README, "Deploy
# behind nginx"). nginx's config, pid, logs and temporary files go to a new directory
# under /tmp; nothing in /etc/nginx is read or changed, and root is not needed.
#   deploy/run-behind-nginx.sh [--port 8080] [--app-port 8000] [--prefix DIR]
# The database is DATABASE_URL's (default instance/portal.db); `make run-nginx` migrates and
# seeds the demo first.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/ensure-debian-packages.sh nginx
exec .venv/bin/python deploy/behind_nginx.py run "$@"
