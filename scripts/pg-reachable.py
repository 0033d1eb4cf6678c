"""Exit 0 when the PostgreSQL URL given as argument accepts connections."""

import sys

import sqlalchemy as sa

try:
    with sa.create_engine(sys.argv[1]).connect() as conn:
        conn.execute(sa.text("SELECT 1"))
except Exception as exc:  # any failure means "not reachable" to make
    print(f"PostgreSQL not reachable: {exc.__class__.__name__}", file=sys.stderr)
    sys.exit(1)
