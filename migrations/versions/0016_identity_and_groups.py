"""Sign in with Ciudadanía Digital (user_identities, the verified flags) and oversight groups
(groups, members, followed programs; observations filed on behalf of a group).

Revision ID: 0016_identity_and_groups
Revises: 0015_people_and_work
Create Date: 2026-12-06 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_identity_and_groups'
down_revision = '0015_people_and_work'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identity_verified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('show_verified_publicly', sa.Boolean(), nullable=False, server_default=sa.false()))

    op.create_table(
        'user_identities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=40), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('document_hash', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_identities_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_identities')),
        sa.UniqueConstraint('provider', 'subject', name=op.f('uq_user_identities_provider_subject')),
        sa.UniqueConstraint('document_hash', name=op.f('uq_user_identities_document_hash')),
    )
    with op.batch_alter_table('user_identities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_identities_user_id'), ['user_id'], unique=False)

    op.create_table(
        'oversight_groups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=80), nullable=False),
        sa.Column('name', sa.String(length=160), nullable=False),
        sa.Column('actor_type_id', sa.Integer(), nullable=True),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('municipality_id', sa.Integer(), nullable=True),
        sa.Column('contact', sa.String(length=200), nullable=False),
        sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('verified_by_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['actor_type_id'], ['actor_types.id'], name=op.f('fk_oversight_groups_actor_type_id_actor_types')),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_oversight_groups_department_id_departments')),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], name=op.f('fk_oversight_groups_municipality_id_municipalities')),
        sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'], name=op.f('fk_oversight_groups_verified_by_id_users')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_oversight_groups_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_oversight_groups')),
        sa.UniqueConstraint('slug', name=op.f('uq_oversight_groups_slug')),
    )

    op.create_table(
        'group_memberships',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=32), nullable=False),
        sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('coordinator', 'member')", name=op.f('ck_group_memberships_role')),
        sa.ForeignKeyConstraint(['group_id'], ['oversight_groups.id'], name=op.f('fk_group_memberships_group_id_oversight_groups')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_group_memberships_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_group_memberships')),
        sa.UniqueConstraint('group_id', 'user_id', name=op.f('uq_group_memberships_group_id_user_id')),
    )
    with op.batch_alter_table('group_memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_memberships_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_group_memberships_user_id'), ['user_id'], unique=False)

    op.create_table(
        'group_program_follows',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('program_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['oversight_groups.id'], name=op.f('fk_group_program_follows_group_id_oversight_groups')),
        sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_group_program_follows_program_id_programs')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_group_program_follows')),
        sa.UniqueConstraint('group_id', 'program_id', name=op.f('uq_group_program_follows_group_id_program_id')),
    )
    with op.batch_alter_table('group_program_follows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_program_follows_group_id'), ['group_id'], unique=False)

    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('show_member_name', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('hide_group', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_observations_group_id'), ['group_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_observations_group_id_oversight_groups'), 'oversight_groups', ['group_id'], ['id'])
        batch_op.drop_constraint(op.f('ck_observations_acting_as'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_observations_acting_as'), "acting_as IN ('individual', 'organisation', 'group')"
        )


def downgrade():
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_observations_acting_as'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_observations_acting_as'), "acting_as IN ('individual', 'organisation')"
        )
        batch_op.drop_constraint(batch_op.f('fk_observations_group_id_oversight_groups'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_observations_group_id'))
        batch_op.drop_column('hide_group')
        batch_op.drop_column('show_member_name')
        batch_op.drop_column('group_id')
    op.drop_table('group_program_follows')
    op.drop_table('group_memberships')
    op.drop_table('oversight_groups')
    op.drop_table('user_identities')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('show_verified_publicly')
        batch_op.drop_column('identity_verified_at')
