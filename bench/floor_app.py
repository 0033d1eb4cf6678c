"""The bare-Flask floor for bench/load.py: what one request costs with no portal code at all.

Served by the same gunicorn settings as the portal (deploy/gunicorn.conf.py), so the
portal's req/s can be read as a share of what Flask + gunicorn alone manage on this box.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return "<!doctype html><title>floor</title><p>ok</p>"
