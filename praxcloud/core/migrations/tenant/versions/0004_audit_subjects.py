"""whose data each audit event touched; audit display values as wide as encoded values

audit_subjects lets a data subject access report find every event about a
record, a user or an e-mail address by id or digest, not by reading text.
audit_events.actor and .target follow the users.email field codec, so they
hold ciphertext when the e-mail is encrypted.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 04:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_subjects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('ref_id', sa.Integer(), nullable=True),
    sa.Column('ref_key', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['audit_events.id'],
                            name=op.f('fk_audit_subjects_event_id_audit_events'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_subjects'))
    )
    op.create_index(op.f('ix_audit_subjects_event_id'), 'audit_subjects', ['event_id'])
    op.create_index('ix_audit_subjects_ref_id', 'audit_subjects', ['kind', 'ref_id'])
    op.create_index('ix_audit_subjects_ref_key', 'audit_subjects', ['kind', 'ref_key'])
    # SQLite ignores VARCHAR lengths (see 0002).
    if op.get_bind().dialect.name != 'sqlite':
        _resize(254, 512)


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        _resize(512, 254)
    op.drop_index('ix_audit_subjects_ref_key', table_name='audit_subjects')
    op.drop_index('ix_audit_subjects_ref_id', table_name='audit_subjects')
    op.drop_index(op.f('ix_audit_subjects_event_id'), table_name='audit_subjects')
    op.drop_table('audit_subjects')


def _resize(old: int, new: int) -> None:
    for column in ('actor', 'target'):
        op.alter_column('audit_events', column, existing_type=sa.String(length=old),
                        type_=sa.String(length=new), existing_nullable=True)
