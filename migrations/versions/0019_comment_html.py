"""Comments keep their text as safe HTML (comments.body_html), made when written, edited or
redacted rather than on every page view; existing rows are rendered here, in batches.

Revision ID: 0019_comment_html
Revises: 0018_open311_clients
Create Date: 2026-12-07 10:30:00

"""
from alembic import op
import sqlalchemy as sa

from app.core.text import user_text_html


# revision identifiers, used by Alembic.
revision = '0019_comment_html'
down_revision = '0018_open311_clients'
branch_labels = None
depends_on = None

#: Rows read and written per statement (memory stays flat on a large table).
BATCH = 1000


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_html', sa.Text(), server_default='', nullable=False))
    conn = op.get_bind()
    comments = sa.table('comments', sa.column('id', sa.Integer), sa.column('body', sa.Text),
                        sa.column('body_html', sa.Text))
    update = (
        comments.update()
        .where(comments.c.id == sa.bindparam('b_id'))
        .values(body_html=sa.bindparam('b_html'))
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(comments.c.id, comments.c.body)
            .where(comments.c.id > last)
            .order_by(comments.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        conn.execute(update, [{'b_id': i, 'b_html': user_text_html(body or '')} for i, body in rows])
        last = rows[-1][0]


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_column('body_html')
