"""concurrency: a version column on observations (one transition at a time) and a per-year
tracking-code counter (codes without a national lock), seeded from the codes in use.

Revision ID: 0011_concurrency
Revises: 0010_outbox_lease
Create Date: 2026-12-05 22:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_concurrency'
down_revision = '0010_outbox_lease'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))

    counters = op.create_table('tracking_code_counters',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_tracking_code_counters'))
    )
    # Each year's counter starts at the highest code already given out (CS-YYYY-NNNNN).
    conn = op.get_bind()
    highest: dict[int, int] = {}
    for (code,) in conn.execute(sa.text("SELECT code FROM observations WHERE code IS NOT NULL")):
        parts = code.split('-')
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            year, number = int(parts[1]), int(parts[2])
            highest[year] = max(highest.get(year, 0), number)
    if highest:
        op.bulk_insert(counters, [{'year': y, 'last_number': n} for y, n in sorted(highest.items())])


def downgrade():
    op.drop_table('tracking_code_counters')
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.drop_column('version')
