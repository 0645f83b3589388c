"""The public observation list's order (newest accepted first) from an index of the public rows
alone (``queries.PUBLIC_ROWS``, written with constants so both engines use it for the list).

Revision ID: 0021_public_list_index
Revises: 0020_scope_tallies
Create Date: 2026-12-06 12:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_public_list_index'
down_revision = '0020_scope_tallies'
branch_labels = None
depends_on = None

PUBLIC_ROWS = (
    "state IN ('accepted', 'acknowledged', 'answered', 'clarification_requested', 'closed', "
    "'disputed', 'resolved') AND hidden_at IS NULL"
)


def upgrade():
    # Plain CREATE INDEX, not batch mode: a batch rebuild would drop the search triggers.
    op.create_index(
        'ix_observations_public_accepted', 'observations', ['accepted_at', 'id'],
        sqlite_where=sa.text(PUBLIC_ROWS), postgresql_where=sa.text(PUBLIC_ROWS),
    )


def downgrade():
    op.drop_index('ix_observations_public_accepted', table_name='observations')
