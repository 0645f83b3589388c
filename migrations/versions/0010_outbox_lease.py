"""outbox lease: a worker claims outbox rows (claimed_until, claimed_by) before sending, so any
number of `flask outbox send` workers can run at once (app/mail/claims.py)

Revision ID: 0010_outbox_lease
Revises: 0009_accountability_tallies
Create Date: 2026-12-05 22:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_outbox_lease'
down_revision = '0009_accountability_tallies'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=80), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('claimed_until')
