"""search indexes measured by the benchmark: ticket creation time, serial prefix, warranty end

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

SERIAL = sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql')


def upgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_created_at', ['created_at'], unique=False)
        # Prefix search needs byte-order collation on PostgreSQL (models.base.search_string).
        batch_op.alter_column('serial_text', existing_type=sa.String(length=40), type_=SERIAL,
                              existing_nullable=True)
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_products_warranty_end'), ['warranty_end'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_products_warranty_end'))
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.alter_column('serial_text', existing_type=SERIAL, type_=sa.String(length=40),
                              existing_nullable=True)
        batch_op.drop_index('ix_tickets_created_at')
