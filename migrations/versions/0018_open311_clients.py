"""Open311 in both directions: the applications that may file (api_clients, keys kept as SHA-256
digests) and what each filed with the token its reply carried (open311_filings).

Revision ID: 0018_open311_clients
Revises: 0017_search
Create Date: 2026-12-06 10:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_open311_clients'
down_revision = '0017_search'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_clients',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('contact', sa.String(length=254), nullable=False),
        sa.Column('key_prefix', sa.String(length=12), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_api_clients_created_by_id_users')),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_api_clients_revoked_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_clients')),
        sa.UniqueConstraint('key_hash', name=op.f('uq_api_clients_key_hash')),
    )
    op.create_table(
        'open311_filings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=40), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('observation_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['client_id'], ['api_clients.id'], name=op.f('fk_open311_filings_client_id_api_clients')),
        sa.ForeignKeyConstraint(['observation_id'], ['observations.id'], name=op.f('fk_open311_filings_observation_id_observations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_filings')),
        sa.UniqueConstraint('token', name=op.f('uq_open311_filings_token')),
        sa.UniqueConstraint('observation_id', name=op.f('uq_open311_filings_observation_id')),
    )
    op.create_index(op.f('ix_open311_filings_client_id'), 'open311_filings', ['client_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_open311_filings_client_id'), table_name='open311_filings')
    op.drop_table('open311_filings')
    op.drop_table('api_clients')
