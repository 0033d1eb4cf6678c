"""unknown_sign_ins: numbers that name no employee lock like an employee's

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'unknown_sign_ins',
        sa.Column('employee_no', sa.String(length=20), nullable=False),
        sa.Column('failed_logins', sa.Integer(), nullable=False),
        sa.Column('locked_until', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('employee_no', name=op.f('pk_unknown_sign_ins')),
    )
    with op.batch_alter_table('unknown_sign_ins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unknown_sign_ins_updated_at'), ['updated_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('unknown_sign_ins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unknown_sign_ins_updated_at'))
    op.drop_table('unknown_sign_ins')
