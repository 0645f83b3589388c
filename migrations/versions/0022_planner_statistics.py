"""Help the query planners at a million observations: an index on ``observations.municipality_id``
(a municipality's list, map points and figures found without reading every observation), and on
SQLite the planner's statistics (ANALYZE). Without them SQLite reads the public observation list
and the map's points through the state index and sorts every public row (two seconds each at
1,000,000 observations) where the ordered indexes answer in a millisecond (docs/performance.md).
PostgreSQL gathers its own (autovacuum's ANALYZE). The app keeps SQLite's current with ``PRAGMA
optimize`` now and then (app/core/db.py).

Revision ID: 0022_planner_statistics
Revises: 0021_public_list_index
Create Date: 2026-12-06 13:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0022_planner_statistics'
down_revision = '0021_public_list_index'
branch_labels = None
depends_on = None


def upgrade():
    # Plain CREATE INDEX, not batch mode: a batch rebuild would drop the search triggers.
    op.create_index(
        'ix_observations_municipality_id', 'observations', ['municipality_id'], unique=False
    )
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ANALYZE')


def downgrade():
    # Statistics change plans, not results: nothing to take back for them.
    op.drop_index('ix_observations_municipality_id', table_name='observations')
