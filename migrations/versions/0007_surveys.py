"""Satisfaction surveys: versioned templates (three seeded), invitations, responses, follow-ups, settings.

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-30
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa
import lms.db


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('survey_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('min_days_between', sa.SmallInteger(), nullable=False),
    sa.Column('nps_min_days', sa.SmallInteger(), nullable=False),
    sa.Column('public_page', sa.Boolean(), nullable=False),
    sa.Column('updated_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_survey_settings_single_row')),
    sa.CheckConstraint('min_days_between BETWEEN 0 AND 365', name=op.f('ck_survey_settings_min_days_range')),
    sa.CheckConstraint('nps_min_days BETWEEN 0 AND 365', name=op.f('ck_survey_settings_nps_days_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_settings'))
    )
    op.create_table('surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("trigger IN ('kickoff', 'course', 'quarterly')", name=op.f('ck_surveys_trigger_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surveys')),
    sa.UniqueConstraint('trigger', name=op.f('uq_surveys_trigger'))
    )
    op.create_table('survey_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.SmallInteger(), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('number >= 1', name=op.f('ck_survey_versions_number_positive')),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_versions_survey_id_surveys'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_versions')),
    sa.UniqueConstraint('survey_id', 'number', name=op.f('uq_survey_versions_survey_id'))
    )
    with op.batch_alter_table('survey_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_versions_survey_id'), ['survey_id'], unique=False)

    op.create_table('survey_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('source_key', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=True),
    sa.Column('quarter', sa.String(length=7), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reminded_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_survey_invitations_partner_id_partners'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_invitations_survey_id_surveys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_survey_invitations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_invitations')),
    sa.UniqueConstraint('token', name=op.f('uq_survey_invitations_token')),
    sa.UniqueConstraint('user_id', 'survey_id', 'source_key', name=op.f('uq_survey_invitations_user_id'))
    )
    with op.batch_alter_table('survey_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_invitations_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_invitations_quarter'), ['quarter'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_invitations_survey_id'), ['survey_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_invitations_user_id'), ['user_id'], unique=False)

    op.create_table('survey_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('prompt', sa.String(length=300), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('choices', sa.Text(), nullable=True),
    sa.CheckConstraint("kind <> 'choice' OR choices IS NOT NULL", name=op.f('ck_survey_questions_choice_has_choices')),
    sa.CheckConstraint("kind IN ('nps', 'csat', 'choice', 'text')", name=op.f('ck_survey_questions_kind_known')),
    sa.ForeignKeyConstraint(['version_id'], ['survey_versions.id'], name=op.f('fk_survey_questions_version_id_survey_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_questions')),
    sa.UniqueConstraint('version_id', 'position', name=op.f('uq_survey_questions_version_id'))
    )
    with op.batch_alter_table('survey_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_questions_version_id'), ['version_id'], unique=False)

    op.create_table('survey_suppressions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('source_key', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('quarter', sa.String(length=7), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_survey_suppressions_partner_id_partners'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_suppressions_survey_id_surveys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_survey_suppressions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_suppressions')),
    sa.UniqueConstraint('user_id', 'survey_id', 'source_key', name=op.f('uq_survey_suppressions_user_id'))
    )
    with op.batch_alter_table('survey_suppressions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_suppressions_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_suppressions_quarter'), ['quarter'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_suppressions_survey_id'), ['survey_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_suppressions_user_id'), ['user_id'], unique=False)

    op.create_table('survey_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('tier_id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.String(length=7), nullable=False),
    sa.Column('submitted_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['invitation_id'], ['survey_invitations.id'], name=op.f('fk_survey_responses_invitation_id_survey_invitations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_survey_responses_partner_id_partners'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_responses_survey_id_surveys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tier_id'], ['tiers.id'], name=op.f('fk_survey_responses_tier_id_tiers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_survey_responses_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['survey_versions.id'], name=op.f('fk_survey_responses_version_id_survey_versions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses')),
    sa.UniqueConstraint('invitation_id', name=op.f('uq_survey_responses_invitation_id'))
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_responses_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_responses_quarter'), ['quarter'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_responses_submitted_at'), ['submitted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_responses_survey_id'), ['survey_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_responses_tier_id'), ['tier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_responses_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_responses_version_id'), ['version_id'], unique=False)

    op.create_table('survey_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('prompt', sa.String(length=300), nullable=False),
    sa.Column('score', sa.SmallInteger(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.CheckConstraint("kind <> 'csat' OR score BETWEEN 1 AND 5", name=op.f('ck_survey_answers_csat_range')),
    sa.CheckConstraint("kind <> 'nps' OR score BETWEEN 0 AND 10", name=op.f('ck_survey_answers_nps_range')),
    sa.CheckConstraint("kind IN ('nps', 'csat') OR score IS NULL", name=op.f('ck_survey_answers_score_only_scored')),
    sa.CheckConstraint("kind IN ('nps', 'csat', 'choice', 'text')", name=op.f('ck_survey_answers_kind_known')),
    sa.CheckConstraint('text IS NULL OR length(text) <= 5000', name=op.f('ck_survey_answers_text_length')),
    sa.ForeignKeyConstraint(['question_id'], ['survey_questions.id'], name=op.f('fk_survey_answers_question_id_survey_questions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['response_id'], ['survey_responses.id'], name=op.f('fk_survey_answers_response_id_survey_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answers')),
    sa.UniqueConstraint('response_id', 'question_id', name=op.f('uq_survey_answers_response_id'))
    )
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.create_index('ix_survey_answers_kind_score', ['kind', 'score'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_answers_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_answers_response_id'), ['response_id'], unique=False)

    op.create_table('survey_follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('due_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('contacted_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('contact_note', sa.Text(), nullable=True),
    sa.Column('resolved_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=True),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status <> 'resolved' OR (resolved_at IS NOT NULL AND resolution_note IS NOT NULL)", name=op.f('ck_survey_follow_ups_resolved_has_note')),
    sa.CheckConstraint("status = 'open' OR contacted_at IS NOT NULL", name=op.f('ck_survey_follow_ups_contacted_has_time')),
    sa.CheckConstraint("status IN ('open', 'contacted', 'resolved')", name=op.f('ck_survey_follow_ups_status_known')),
    sa.ForeignKeyConstraint(['manager_id'], ['users.id'], name=op.f('fk_survey_follow_ups_manager_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_survey_follow_ups_partner_id_partners'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['survey_responses.id'], name=op.f('fk_survey_follow_ups_response_id_survey_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_follow_ups')),
    sa.UniqueConstraint('response_id', name=op.f('uq_survey_follow_ups_response_id'))
    )
    with op.batch_alter_table('survey_follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_follow_ups_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_follow_ups_manager_id'), ['manager_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_follow_ups_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_follow_ups_status'), ['status'], unique=False)
    _seed()


SEED = [
    ("kickoff", "After your kickoff", [
        ("csat", "How satisfied are you with your kickoff call?", True, None),
        ("text", "What could we have done better?", False, None),
    ]),
    ("course", "After a course", [
        ("csat", "How satisfied are you with this course?", True, None),
        ("text", "What would make the course more useful to you?", False, None),
    ]),
    ("quarterly", "Quarterly relationship", [
        ("nps", "How likely are you to recommend our partner programme to a colleague?", True, None),
        ("text", "What should we do better?", False, None),
    ]),
]


def _seed() -> None:
    """The three surveys the portal starts with, and the settings row (14 days, 60 days, public page off)."""
    bind = op.get_bind()
    now = datetime.now(timezone.utc)
    surveys = sa.table("surveys", sa.column("id", sa.Integer), sa.column("trigger", sa.String),
                       sa.column("title", sa.String), sa.column("active", sa.Boolean),
                       sa.column("created_at", lms.db.UTCDateTime()))
    versions = sa.table("survey_versions", sa.column("id", sa.Integer), sa.column("survey_id", sa.Integer),
                        sa.column("number", sa.Integer), sa.column("created_at", lms.db.UTCDateTime()))
    questions = sa.table("survey_questions", sa.column("version_id", sa.Integer), sa.column("position", sa.Integer),
                         sa.column("kind", sa.String), sa.column("prompt", sa.String),
                         sa.column("required", sa.Boolean), sa.column("choices", sa.Text))
    settings = sa.table("survey_settings", sa.column("id", sa.Integer), sa.column("min_days_between", sa.Integer),
                        sa.column("nps_min_days", sa.Integer), sa.column("public_page", sa.Boolean),
                        sa.column("updated_at", lms.db.UTCDateTime()))
    op.bulk_insert(settings, [{"id": 1, "min_days_between": 14, "nps_min_days": 60, "public_page": False,
                               "updated_at": now}])
    for trigger, title, items in SEED:
        bind.execute(surveys.insert().values(trigger=trigger, title=title, active=True, created_at=now))
        survey_id = bind.scalar(sa.select(surveys.c.id).where(surveys.c.trigger == trigger))
        bind.execute(versions.insert().values(survey_id=survey_id, number=1, created_at=now))
        version_id = bind.scalar(sa.select(versions.c.id).where(versions.c.survey_id == survey_id))
        for position, (kind, prompt, required, choices) in enumerate(items, start=1):
            bind.execute(questions.insert().values(version_id=version_id, position=position, kind=kind,
                                                   prompt=prompt, required=required, choices=choices))


def downgrade() -> None:
    with op.batch_alter_table('survey_follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_follow_ups_status'))
        batch_op.drop_index(batch_op.f('ix_survey_follow_ups_partner_id'))
        batch_op.drop_index(batch_op.f('ix_survey_follow_ups_manager_id'))
        batch_op.drop_index(batch_op.f('ix_survey_follow_ups_due_at'))

    op.drop_table('survey_follow_ups')
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_answers_response_id'))
        batch_op.drop_index(batch_op.f('ix_survey_answers_question_id'))
        batch_op.drop_index('ix_survey_answers_kind_score')

    op.drop_table('survey_answers')
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_responses_version_id'))
        batch_op.drop_index(batch_op.f('ix_survey_responses_user_id'))
        batch_op.drop_index(batch_op.f('ix_survey_responses_tier_id'))
        batch_op.drop_index(batch_op.f('ix_survey_responses_survey_id'))
        batch_op.drop_index(batch_op.f('ix_survey_responses_submitted_at'))
        batch_op.drop_index(batch_op.f('ix_survey_responses_quarter'))
        batch_op.drop_index(batch_op.f('ix_survey_responses_partner_id'))

    op.drop_table('survey_responses')
    with op.batch_alter_table('survey_suppressions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_suppressions_user_id'))
        batch_op.drop_index(batch_op.f('ix_survey_suppressions_survey_id'))
        batch_op.drop_index(batch_op.f('ix_survey_suppressions_quarter'))
        batch_op.drop_index(batch_op.f('ix_survey_suppressions_partner_id'))

    op.drop_table('survey_suppressions')
    with op.batch_alter_table('survey_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_questions_version_id'))

    op.drop_table('survey_questions')
    with op.batch_alter_table('survey_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_invitations_user_id'))
        batch_op.drop_index(batch_op.f('ix_survey_invitations_survey_id'))
        batch_op.drop_index(batch_op.f('ix_survey_invitations_quarter'))
        batch_op.drop_index(batch_op.f('ix_survey_invitations_partner_id'))

    op.drop_table('survey_invitations')
    with op.batch_alter_table('survey_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_versions_survey_id'))

    op.drop_table('survey_versions')
    op.drop_table('surveys')
    op.drop_table('survey_settings')
