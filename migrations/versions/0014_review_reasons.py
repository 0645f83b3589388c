"""moderation reasons: a third kind, "review" (restoring content, dismissing reports), so a
redaction or a hide can no longer be explained with "the reports were unfounded".

Revision ID: 0014_review_reasons
Revises: 0013_milestone_reached
Create Date: 2026-12-06 01:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_review_reasons'
down_revision = '0013_milestone_reached'
branch_labels = None
depends_on = None

reasons = sa.table('moderation_reasons', sa.column('key', sa.String), sa.column('kind', sa.String))


def upgrade():
    with op.batch_alter_table('moderation_reasons', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_moderation_reasons_kind'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_moderation_reasons_kind'), "kind IN ('rejection', 'content', 'review')"
        )
    op.execute(reasons.update().where(reasons.c.key == 'flags_unfounded').values(kind='review'))


def downgrade():
    op.execute(reasons.update().where(reasons.c.kind == 'review').values(kind='content'))
    with op.batch_alter_table('moderation_reasons', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_moderation_reasons_kind'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_moderation_reasons_kind'), "kind IN ('rejection', 'content')"
        )
