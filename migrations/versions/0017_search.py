"""Search of everything public: PostgreSQL tsvector columns (unaccent + Spanish) with GIN and
pg_trgm indexes; SQLite FTS5 tables kept by triggers (app/search/schema.py). Indexes for the
home page's latest answers and closing consultations.

A later migration that rebuilds observations, observation_events or programs on SQLite (batch
mode copies and drops the table, and its triggers with it) must call ``schema.uninstall`` before
and ``schema.install`` after.

Revision ID: 0017_search
Revises: 0016_identity_and_groups
Create Date: 2026-12-06 08:00:00

"""
from alembic import op
import sqlalchemy as sa

from app.search import schema


# revision identifiers, used by Alembic.
revision = '0017_search'
down_revision = '0016_identity_and_groups'
branch_labels = None
depends_on = None


def upgrade():
    schema.install(op.get_bind())
    # The home page (issue 19): the latest answers and the consultations closing soon.
    # Plain CREATE INDEX, not batch mode: a batch rebuild would drop the search triggers.
    op.create_index('ix_observations_first_answer_at', 'observations', ['first_answer_at'])
    op.create_index('ix_programs_comments_close_on', 'programs', ['comments_close_on'])
    # The maps' points: the newest observations with coordinates.
    op.create_index(
        'ix_observations_located', 'observations', ['id'],
        sqlite_where=sa.text('latitude IS NOT NULL'),
        postgresql_where=sa.text('latitude IS NOT NULL'),
    )


def downgrade():
    op.drop_index('ix_observations_located', table_name='observations')
    op.drop_index('ix_programs_comments_close_on', table_name='programs')
    op.drop_index('ix_observations_first_answer_at', table_name='observations')
    schema.uninstall(op.get_bind())
