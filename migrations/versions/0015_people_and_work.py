"""Institutions are told of new work; people choose their mail, download their data and can
leave (issue 17): notification preferences and daily digests, mail headers (one-click
unsubscribe), assignment inside an institution, data exports, account deletion.

Revision ID: 0015_people_and_work
Revises: 0014_review_reasons
Create Date: 2026-12-06 04:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_people_and_work'
down_revision = '0014_review_reasons'
branch_labels = None
depends_on = None

CATEGORIES = (
    "'program_updates', 'replies', 'my_observations', 'followed_observations', "
    "'institution_work', 'moderation'"
)


def upgrade():
    op.create_table(
        'notification_preferences',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=32), nullable=False),
        sa.Column('delivery', sa.String(length=32), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"category IN ({CATEGORIES})", name=op.f('ck_notification_preferences_category')),
        sa.CheckConstraint("delivery IN ('instant', 'digest', 'off')", name=op.f('ck_notification_preferences_delivery')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preferences')),
        sa.UniqueConstraint('user_id', 'category', name=op.f('uq_notification_preferences_user_id_category')),
    )
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_preferences_user_id'), ['user_id'], unique=False)

    op.create_table(
        'notification_digests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('item_count', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_digests_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_digests')),
        sa.UniqueConstraint('user_id', 'day', name=op.f('uq_notification_digests_user_id_day')),
    )

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest_pending', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index('ix_notifications_digest', ['digest_pending', 'user_id'], unique=False)

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('headers', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))

    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_observations_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_observations_assignee_id_users'), 'users', ['assignee_id'], ['id'])

    op.create_table(
        'observation_assignments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('observation_id', sa.Integer(), nullable=False),
        sa.Column('institution_id', sa.Integer(), nullable=False),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('assigned_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['observation_id'], ['observations.id'], name=op.f('fk_observation_assignments_observation_id_observations')),
        sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_observation_assignments_institution_id_institutions')),
        sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_observation_assignments_assignee_id_users')),
        sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_observation_assignments_assigned_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_observation_assignments')),
    )
    with op.batch_alter_table('observation_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_observation_assignments_observation_id'), ['observation_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deletion_requested_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('deletion_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('keep_comments_public', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('is_deleted_placeholder', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_users_deletion_due_at'), ['deletion_due_at'], unique=False)

    op.create_table(
        'data_exports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=32), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ready_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('storage_key', sa.String(length=120), nullable=True),
        sa.Column('size', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'),
        sa.CheckConstraint("status IN ('pending', 'ready', 'failed')", name=op.f('ck_data_exports_status')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_data_exports_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_exports')),
    )
    with op.batch_alter_table('data_exports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_exports_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_exports_expires_at'), ['expires_at'], unique=False)


def downgrade():
    op.drop_table('data_exports')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_deletion_due_at'))
        batch_op.drop_column('is_deleted_placeholder')
        batch_op.drop_column('keep_comments_public')
        batch_op.drop_column('deletion_due_at')
        batch_op.drop_column('deletion_requested_at')
    op.drop_table('observation_assignments')
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_observations_assignee_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_observations_assignee_id'))
        batch_op.drop_column('assignee_id')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('headers')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_digest')
        batch_op.drop_column('digest_pending')
    op.drop_table('notification_digests')
    op.drop_table('notification_preferences')
