"""login lockout kept on the account: wrong passwords counted in the database, so the
per-account limit holds across gunicorn workers, app servers and restarts.

Revision ID: 0012_login_lockout
Revises: 0011_concurrency
Create Date: 2026-12-05 22:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_login_lockout'
down_revision = '0011_concurrency'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('failed_logins_since', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('failed_logins_since')
        batch_op.drop_column('failed_logins')
