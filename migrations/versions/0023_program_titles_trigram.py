"""PostgreSQL: a trigram index of the program titles in every language, which the spelling
correction compares a mistyped word with (app/search/spelling.py): the programs' whole texts
(``search_text``, descriptions too) made that comparison cost 8-19 ms at 10,000 programs, the
titles alone 1-2 ms. SQLite corrects from its FTS5 vocabulary: nothing to do there.

Revision ID: 0023_program_titles_trigram
Revises: 0022_planner_statistics
Create Date: 2026-12-06 14:45:00

"""
from alembic import op

from app.search import schema


# revision identifiers, used by Alembic.
revision = '0023_program_titles_trigram'
down_revision = '0022_planner_statistics'
branch_labels = None
depends_on = None


def upgrade():
    schema.install_program_titles(op.get_bind())


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'DROP INDEX IF EXISTS {schema.PROGRAM_TITLES_INDEX}')
