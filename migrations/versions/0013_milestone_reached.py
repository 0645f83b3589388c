"""milestones: the day each was reached (its state — reached, ahead, late — is computed from it
and the planned date).

Revision ID: 0013_milestone_reached
Revises: 0012_login_lockout
Create Date: 2026-12-05 23:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_milestone_reached'
down_revision = '0012_login_lockout'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.add_column(sa.Column('done_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.drop_column('done_on')
