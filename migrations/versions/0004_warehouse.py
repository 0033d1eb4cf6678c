"""warehouse: parts, stock ledger, requisitions, returns, damage, stock counts

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    # Parts catalogue (配件目录): part no. and barcode are prefix-searched ("C" collation on PostgreSQL).
    op.create_table('parts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('part_no', sa.String(length=30).with_variant(sa.String(length=30, collation='C'), 'postgresql'), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('spec', sa.String(length=100), nullable=True),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('barcode', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=True),
    sa.Column('min_stock', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('piece_counted', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parts')),
    sa.UniqueConstraint('barcode', name=op.f('uq_parts_barcode')),
    sa.UniqueConstraint('part_no', name=op.f('uq_parts_part_no'))
    )
    with op.batch_alter_table('parts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parts_active'), ['active'], unique=False)
        batch_op.create_index(batch_op.f('ix_parts_category'), ['category'], unique=False)

    # On hand per warehouse × part × condition: the ledger's running sum, never below zero.
    op.create_table('stock_balances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('condition', sa.Enum('good', 'damaged', 'giveaway', name='stockcondition', native_enum=False, length=32), nullable=False),
    sa.Column('on_hand', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.CheckConstraint('on_hand >= 0', name=op.f('ck_stock_balances_not_negative')),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_stock_balances_part_id_parts')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['org_units.id'], name=op.f('fk_stock_balances_warehouse_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_balances')),
    sa.UniqueConstraint('warehouse_id', 'part_id', 'condition', name='uq_stock_balances_key')
    )
    with op.batch_alter_table('stock_balances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_balances_part_id'), ['part_id'], unique=False)

    # Damage (残损) reports, decided by the manager.
    op.create_table('damage_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20).with_variant(sa.String(length=20, collation='C'), 'postgresql'), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('condition', sa.Enum('good', 'damaged', 'giveaway', name='stockcondition', native_enum=False, length=32), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('value', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('cause', sa.String(length=300), nullable=False),
    sa.Column('proposal', sa.Enum('to_damaged', 'write_off', name='damageproposal', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('reported', 'approved', 'refused', name='damagestatus', native_enum=False, length=32), nullable=False),
    sa.Column('reported_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('refusal_reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['employees.id'], name=op.f('fk_damage_reports_decided_by_id_employees')),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_damage_reports_part_id_parts')),
    sa.ForeignKeyConstraint(['reported_by_id'], ['employees.id'], name=op.f('fk_damage_reports_reported_by_id_employees')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['org_units.id'], name=op.f('fk_damage_reports_warehouse_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_damage_reports')),
    sa.UniqueConstraint('number', name=op.f('uq_damage_reports_number'))
    )
    with op.batch_alter_table('damage_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_damage_reports_part_id'), ['part_id'], unique=False)
        batch_op.create_index('ix_damage_reports_warehouse_status', ['warehouse_id', 'status'], unique=False)

    # Stock counts (盘点): `watermark` is the last ledger id in the opening snapshot.
    op.create_table('stock_counts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20).with_variant(sa.String(length=20, collation='C'), 'postgresql'), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('condition', sa.Enum('good', 'damaged', 'giveaway', name='stockcondition', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('open', 'submitted', 'approved', 'cancelled', name='countstatus', native_enum=False, length=32), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=True),
    sa.Column('part_prefix', sa.String(length=30), nullable=True),
    sa.Column('ask_quantity', sa.Boolean(), nullable=False),
    sa.Column('watermark', sa.Integer(), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('adjustment_number', sa.String(length=20), nullable=True),
    sa.Column('remark', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['employees.id'], name=op.f('fk_stock_counts_decided_by_id_employees')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['employees.id'], name=op.f('fk_stock_counts_opened_by_id_employees')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['employees.id'], name=op.f('fk_stock_counts_submitted_by_id_employees')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['org_units.id'], name=op.f('fk_stock_counts_warehouse_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_counts')),
    sa.UniqueConstraint('number', name=op.f('uq_stock_counts_number'))
    )
    with op.batch_alter_table('stock_counts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_counts_decided_at'), ['decided_at'], unique=False)
        batch_op.create_index('ix_stock_counts_warehouse_status', ['warehouse_id', 'status'], unique=False)

    # The stock ledger: one row per movement; (warehouse, part, condition, id) serves
    # "movements since the count opened".
    op.create_table('stock_movements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('condition', sa.Enum('good', 'damaged', 'giveaway', name='stockcondition', native_enum=False, length=32), nullable=False),
    sa.Column('kind', sa.Enum('receipt', 'issue', 'return', 'damage', 'adjustment', 'transfer', name='movementkind', native_enum=False, length=32), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('balance_after', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['employees.id'], name=op.f('fk_stock_movements_actor_id_employees')),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_stock_movements_part_id_parts')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['org_units.id'], name=op.f('fk_stock_movements_warehouse_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_movements'))
    )
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.create_index('ix_stock_movements_key', ['warehouse_id', 'part_id', 'condition', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_movements_reference'), ['reference'], unique=False)
        batch_op.create_index('ix_stock_movements_warehouse_at', ['warehouse_id', 'at'], unique=False)

    # Receipts (入库单).
    op.create_table('stock_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20).with_variant(sa.String(length=20, collation='C'), 'postgresql'), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('supplier', sa.String(length=100), nullable=True),
    sa.Column('delivery_note', sa.String(length=40), nullable=True),
    sa.Column('remark', sa.String(length=300), nullable=True),
    sa.Column('received_by_id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('submit_token', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['received_by_id'], ['employees.id'], name=op.f('fk_stock_receipts_received_by_id_employees')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['org_units.id'], name=op.f('fk_stock_receipts_warehouse_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_receipts')),
    sa.UniqueConstraint('number', name=op.f('uq_stock_receipts_number')),
    sa.UniqueConstraint('submit_token', name=op.f('uq_stock_receipts_submit_token'))
    )
    with op.batch_alter_table('stock_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_receipts_warehouse_id'), ['warehouse_id'], unique=False)

    # Count lines: `expected` is the snapshot (never shown to a counter).
    op.create_table('stock_count_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('count_id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('expected', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('counted', sa.Numeric(precision=14, scale=3), nullable=True),
    sa.Column('counted_by_id', sa.Integer(), nullable=True),
    sa.Column('counted_at', sa.DateTime(), nullable=True),
    sa.Column('counted_watermark', sa.Integer(), nullable=True),
    sa.Column('movements', sa.Numeric(precision=14, scale=3), nullable=True),
    sa.Column('variance', sa.Numeric(precision=14, scale=3), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('recount', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['count_id'], ['stock_counts.id'], name=op.f('fk_stock_count_lines_count_id_stock_counts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['counted_by_id'], ['employees.id'], name=op.f('fk_stock_count_lines_counted_by_id_employees')),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_stock_count_lines_part_id_parts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_count_lines')),
    sa.UniqueConstraint('count_id', 'part_id', name='uq_stock_count_lines_part')
    )
    # Receipt lines.
    op.create_table('stock_receipt_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('receipt_id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('condition', sa.Enum('good', 'damaged', 'giveaway', name='stockcondition', native_enum=False, length=32), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_stock_receipt_lines_part_id_parts')),
    sa.ForeignKeyConstraint(['receipt_id'], ['stock_receipts.id'], name=op.f('fk_stock_receipt_lines_receipt_id_stock_receipts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_receipt_lines'))
    )
    with op.batch_alter_table('stock_receipt_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_receipt_lines_receipt_id'), ['receipt_id'], unique=False)

    # Requisitions (领料单) from a branch to a warehouse.
    op.create_table('requisitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20).with_variant(sa.String(length=20, collation='C'), 'postgresql'), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('submitted', 'approved', 'waiting', 'issued', 'cancelled', name='requisitionstatus', native_enum=False, length=32), nullable=False),
    sa.Column('remark', sa.String(length=300), nullable=True),
    sa.Column('raised_by_id', sa.Integer(), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('waiting_since', sa.DateTime(), nullable=True),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', sa.DateTime(), nullable=True),
    sa.Column('issue_number', sa.String(length=20), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['employees.id'], name=op.f('fk_requisitions_approved_by_id_employees')),
    sa.ForeignKeyConstraint(['branch_id'], ['org_units.id'], name=op.f('fk_requisitions_branch_id_org_units')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['employees.id'], name=op.f('fk_requisitions_issued_by_id_employees')),
    sa.ForeignKeyConstraint(['raised_by_id'], ['employees.id'], name=op.f('fk_requisitions_raised_by_id_employees')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_requisitions_ticket_id_tickets')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['org_units.id'], name=op.f('fk_requisitions_warehouse_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_requisitions')),
    sa.UniqueConstraint('number', name=op.f('uq_requisitions_number'))
    )
    with op.batch_alter_table('requisitions', schema=None) as batch_op:
        batch_op.create_index('ix_requisitions_branch_status', ['branch_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_requisitions_issued_at'), ['issued_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_requisitions_ticket_id'), ['ticket_id'], unique=False)
        batch_op.create_index('ix_requisitions_warehouse_status', ['warehouse_id', 'status'], unique=False)

    # Return reports (退货报告) and their goods-in.
    op.create_table('stock_returns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20).with_variant(sa.String(length=20, collation='C'), 'postgresql'), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('value', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('returned_by', sa.String(length=50), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('reported', 'approved', 'received', 'refused', name='returnstatus', native_enum=False, length=32), nullable=False),
    sa.Column('reported_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('refusal_reason', sa.Text(), nullable=True),
    sa.Column('received_by_id', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=True),
    sa.Column('received_quantity', sa.Numeric(precision=14, scale=3), nullable=True),
    sa.Column('received_condition', sa.Enum('good', 'damaged', 'giveaway', name='stockcondition', native_enum=False, length=32), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['org_units.id'], name=op.f('fk_stock_returns_branch_id_org_units')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['employees.id'], name=op.f('fk_stock_returns_decided_by_id_employees')),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_stock_returns_part_id_parts')),
    sa.ForeignKeyConstraint(['received_by_id'], ['employees.id'], name=op.f('fk_stock_returns_received_by_id_employees')),
    sa.ForeignKeyConstraint(['reported_by_id'], ['employees.id'], name=op.f('fk_stock_returns_reported_by_id_employees')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_stock_returns_ticket_id_tickets')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['org_units.id'], name=op.f('fk_stock_returns_warehouse_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_returns')),
    sa.UniqueConstraint('number', name=op.f('uq_stock_returns_number'))
    )
    with op.batch_alter_table('stock_returns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_returns_part_id'), ['part_id'], unique=False)
        batch_op.create_index('ix_stock_returns_warehouse_status', ['warehouse_id', 'status'], unique=False)

    # Requisition lines.
    op.create_table('requisition_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requisition_id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('condition', sa.Enum('good', 'damaged', 'giveaway', name='stockcondition', native_enum=False, length=32), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_requisition_lines_part_id_parts')),
    sa.ForeignKeyConstraint(['requisition_id'], ['requisitions.id'], name=op.f('fk_requisition_lines_requisition_id_requisitions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_requisition_lines'))
    )
    with op.batch_alter_table('requisition_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_requisition_lines_part_id'), ['part_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_requisition_lines_requisition_id'), ['requisition_id'], unique=False)


def downgrade():
    # Children before parents; 0005 (stores) is downgraded first and does not use these.
    with op.batch_alter_table('requisition_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_requisition_lines_requisition_id'))
        batch_op.drop_index(batch_op.f('ix_requisition_lines_part_id'))

    op.drop_table('requisition_lines')
    with op.batch_alter_table('stock_returns', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_returns_warehouse_status')
        batch_op.drop_index(batch_op.f('ix_stock_returns_part_id'))

    op.drop_table('stock_returns')
    with op.batch_alter_table('requisitions', schema=None) as batch_op:
        batch_op.drop_index('ix_requisitions_warehouse_status')
        batch_op.drop_index(batch_op.f('ix_requisitions_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_requisitions_issued_at'))
        batch_op.drop_index('ix_requisitions_branch_status')

    op.drop_table('requisitions')
    with op.batch_alter_table('stock_receipt_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_receipt_lines_receipt_id'))

    op.drop_table('stock_receipt_lines')
    op.drop_table('stock_count_lines')
    with op.batch_alter_table('stock_receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_receipts_warehouse_id'))

    op.drop_table('stock_receipts')
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_movements_warehouse_at')
        batch_op.drop_index(batch_op.f('ix_stock_movements_reference'))
        batch_op.drop_index('ix_stock_movements_key')

    op.drop_table('stock_movements')
    with op.batch_alter_table('stock_counts', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_counts_warehouse_status')
        batch_op.drop_index(batch_op.f('ix_stock_counts_decided_at'))

    op.drop_table('stock_counts')
    with op.batch_alter_table('damage_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_damage_reports_warehouse_status')
        batch_op.drop_index(batch_op.f('ix_damage_reports_part_id'))

    op.drop_table('damage_reports')
    with op.batch_alter_table('stock_balances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_balances_part_id'))

    op.drop_table('stock_balances')
    with op.batch_alter_table('parts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parts_category'))
        batch_op.drop_index(batch_op.f('ix_parts_active'))

    op.drop_table('parts')
