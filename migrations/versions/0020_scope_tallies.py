"""scope tallies: the accountability tallies split by department, municipality, category
(with its department), program and filer kind (with its department, municipality or category), per (La Paz filing month,
institution), their counts already classified; and the working-days histogram split the same way
(app/accountability/scope_tallies.py). Kept exact by the app on every flush; counted here from
the existing observations.

Revision ID: 0020_scope_tallies
Revises: 0019_comment_html
Create Date: 2026-12-08 11:00:00

"""
import os
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_scope_tallies'
down_revision = '0019_comment_html'
branch_labels = None
depends_on = None


COUNTS = ('received', 'accepted', 'answered', 'answered_on_time', 'rated', 'satisfaction_sum',
          'due_closed', 'due_answered', 'clock', 'open', 'accepted_by_filer')


def upgrade():
    op.create_table('scope_tallies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=True),
    sa.Column('dimension', sa.String(length=24), nullable=False),
    sa.Column('value', sa.Integer(), nullable=True),
    sa.Column('within', sa.Integer(), nullable=True),
    sa.Column('label', sa.String(length=16), nullable=False),
    *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS],
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_scope_tallies_institution_id_institutions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scope_tallies'))
    )
    with op.batch_alter_table('scope_tallies', schema=None) as batch_op:
        batch_op.create_index('ix_scope_tallies_month_institution', ['month', 'institution_id'], unique=False)
        batch_op.create_index('ix_scope_tallies_dimension_value_month', ['dimension', 'value', 'month'], unique=False)
        batch_op.create_index('ix_scope_tallies_dimension_within_month', ['dimension', 'within', 'month'], unique=False)

    op.create_table('scope_answer_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=True),
    sa.Column('dimension', sa.String(length=24), nullable=False),
    sa.Column('value', sa.Integer(), nullable=True),
    sa.Column('within', sa.Integer(), nullable=True),
    sa.Column('working_days', sa.Integer(), nullable=False),
    sa.Column('observations', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_scope_answer_days_institution_id_institutions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scope_answer_days'))
    )
    with op.batch_alter_table('scope_answer_days', schema=None) as batch_op:
        batch_op.create_index('ix_scope_answer_days_month_institution', ['month', 'institution_id'], unique=False)
        batch_op.create_index('ix_scope_answer_days_dimension_value_month', ['dimension', 'value', 'month'], unique=False)

    waiting = "state IN ('accepted', 'acknowledged', 'clarification_requested') AND hidden_at IS NULL"
    op.create_index('ix_observations_waiting', 'observations', ['due_date', 'submitted_at', 'institution_id', 'department_id', 'municipality_id', 'category_id', 'program_id', 'first_answer_at'], unique=False, sqlite_where=sa.text(waiting), postgresql_where=sa.text(waiting))

    _count_existing()


#: Written out here (not imported from the app) so this migration keeps meaning what it meant.
PUBLIC = "('accepted', 'acknowledged', 'answered', 'clarification_requested', 'closed', 'disputed', 'resolved')"
CLOSED = "('closed', 'duplicate', 'rejected', 'resolved')"
CLOCK = "('accepted', 'acknowledged', 'clarification_requested')"
OPEN = "('accepted', 'acknowledged', 'answered', 'clarification_requested', 'disputed', 'submitted')"
#: Dimension → (value, within, label) expressions over ``o`` (observations).
DIMENSIONS = {
    'department': ('o.department_id', 'NULL', "''"),
    'municipality': ('o.municipality_id', 'NULL', "''"),
    'category': ('o.category_id', 'o.department_id', "''"),
    'program': ('o.program_id', 'NULL', "''"),
    'filer': ('o.actor_type_id', 'o.department_id', 'o.acting_as'),
    'filer_municipality': ('o.actor_type_id', 'o.municipality_id', 'o.acting_as'),
    'filer_category': ('o.actor_type_id', 'o.category_id', 'o.acting_as'),
}
HISTOGRAM = ('department', 'municipality', 'category', 'program')


def _statements():
    public = f"o.state IN {PUBLIC} AND o.hidden_at IS NULL"

    def count(condition):
        return f"count(CASE WHEN {public} AND {condition} THEN 1 END)"

    classified = ", ".join([
        "count(*)",
        f"count(CASE WHEN {public} THEN 1 END)",
        count("o.first_answer_at IS NOT NULL"),
        count("f.answered_on_time"),
        count("o.satisfaction IS NOT NULL"),
        f"coalesce(sum(CASE WHEN {public} THEN o.satisfaction END), 0)",
        count(f"o.state IN {CLOSED}"),
        count(f"o.state NOT IN {CLOSED} AND o.state NOT IN {CLOCK} AND o.first_answer_at IS NOT NULL"),
        count(f"o.state IN {CLOCK}"),
        count(f"o.state IN {OPEN}"),
        count("o.state = 'resolved'"),
    ])
    period = "o.submitted_at >= :low AND o.submitted_at < :high AND o.state != 'draft'"
    statements = []
    for dimension, (value, department, label) in DIMENSIONS.items():
        grouped = ", ".join(c for c in ('o.institution_id', value, department, label)
                            if c.startswith('o.'))
        statements.append(
            "INSERT INTO scope_tallies (month, institution_id, dimension, value, within,"
            f" label, {', '.join(COUNTS)})"
            f" SELECT :month, o.institution_id, '{dimension}', {value}, {department}, {label},"
            f" {classified}"
            " FROM observations o LEFT JOIN observation_figures f ON f.observation_id = o.id"
            f" WHERE {period} GROUP BY {grouped}"
        )
    for dimension in HISTOGRAM:
        value, department, _label = DIMENSIONS[dimension]
        grouped = ", ".join(c for c in ('o.institution_id', value, department)
                            if c.startswith('o.'))
        statements.append(
            "INSERT INTO scope_answer_days (month, institution_id, dimension, value,"
            " within, working_days, observations)"
            f" SELECT :month, o.institution_id, '{dimension}', {value}, {department},"
            " f.answer_working_days, count(*)"
            " FROM observations o JOIN observation_figures f ON f.observation_id = o.id"
            f" WHERE {period} AND {public} AND o.first_answer_at IS NOT NULL"
            f" GROUP BY {grouped}, f.answer_working_days"
        )
    stamp = sa.DateTime(timezone=True)
    return [
        sa.text(s).bindparams(sa.bindparam('low', type_=stamp), sa.bindparam('high', type_=stamp))
        for s in statements
    ]


def _count_existing():
    """The same counts as app/accountability/scope_tallies.py, one filing month at a time."""
    conn = op.get_bind()
    first, last = conn.execute(sa.text(
        "SELECT min(submitted_at), max(submitted_at) FROM observations"
    )).one()
    if first is None:
        return
    if isinstance(first, str):  # SQLite returns the stored text for an aggregate
        first, last = datetime.fromisoformat(first), datetime.fromisoformat(last)
    zone = ZoneInfo(os.environ.get('QHAWAQ_TIMEZONE', os.environ.get('TIMEZONE', 'America/La_Paz')))

    def local_month(moment):
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        day = moment.astimezone(zone).date()
        return date(day.year, day.month, 1)

    def following(day):
        return date(day.year + day.month // 12, day.month % 12 + 1, 1)

    def utc(day):
        return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)

    statements = _statements()
    month, end = local_month(first), local_month(last)
    while month <= end:
        params = {
            'month': month.year * 100 + month.month,
            'low': utc(month),
            'high': utc(following(month)),
        }
        for statement in statements:
            conn.execute(statement, params)
        month = following(month)


def downgrade():
    op.drop_index('ix_observations_waiting', table_name='observations')

    with op.batch_alter_table('scope_answer_days', schema=None) as batch_op:
        batch_op.drop_index('ix_scope_answer_days_dimension_value_month')
        batch_op.drop_index('ix_scope_answer_days_month_institution')

    op.drop_table('scope_answer_days')
    with op.batch_alter_table('scope_tallies', schema=None) as batch_op:
        batch_op.drop_index('ix_scope_tallies_dimension_within_month')
        batch_op.drop_index('ix_scope_tallies_dimension_value_month')
        batch_op.drop_index('ix_scope_tallies_month_institution')

    op.drop_table('scope_tallies')
