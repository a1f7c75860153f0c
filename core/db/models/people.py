"""People, links, consent and accounts (spec §3.2)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, CreatedBy, IdMixin, SchoolOwned, TimestampMixin, str_enum
from core.domain.enums import (
    AccountStatus,
    ConsentDecision,
    ContactKind,
    EnrollmentReason,
    GuardianRelation,
    InviteChannel,
    PersonStatus,
    PersonType,
    Provenance,
    Role,
    StudentStatus,
)


class Student(IdMixin, SchoolOwned, TimestampMixin, Base):
    __tablename__ = "student"
    __table_args__ = (Index("ix_student_name", "school_id", "last_name", "first_name"),)

    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    patronymic: Mapped[str | None] = mapped_column(String(100))
    gender: Mapped[str | None] = mapped_column(String(1))
    birth_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[StudentStatus] = mapped_column(
        str_enum(StudentStatus, "student_status"), default=StudentStatus.enrolled
    )
    external_ref: Mapped[str | None] = mapped_column(String(64), index=True)


class Enrollment(IdMixin, SchoolOwned, TimestampMixin, CreatedBy, Base):
    """A student's membership of one class over dates; intervals never overlap (R27)."""

    __tablename__ = "enrollment"
    __table_args__ = (
        CheckConstraint("to_date IS NULL OR from_date <= to_date", name="dates"),
        Index("ix_enrollment_class_dates", "class_id", "from_date"),
    )

    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"))
    from_date: Mapped[date] = mapped_column(Date)
    to_date: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[EnrollmentReason] = mapped_column(str_enum(EnrollmentReason, "enrollment_reason"))
    leave_reason: Mapped[EnrollmentReason | None] = mapped_column(
        str_enum(EnrollmentReason, "enrollment_leave_reason")
    )


class IndividualCurriculum(IdMixin, SchoolOwned, TimestampMixin, Base):
    __tablename__ = "individual_curriculum"
    __table_args__ = (UniqueConstraint("student_id", "year_id"),)

    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id"))
    basis: Mapped[str] = mapped_column(String(300))


class Guardian(IdMixin, SchoolOwned, TimestampMixin, Base):
    __tablename__ = "guardian"

    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    patronymic: Mapped[str | None] = mapped_column(String(100))
    gender: Mapped[str | None] = mapped_column(String(1))
    paper_only: Mapped[bool] = mapped_column(Boolean, default=False)
    paper_only_since: Mapped[date | None] = mapped_column(Date)
    paper_only_basis: Mapped[str | None] = mapped_column(String(300))


class GuardianContact(IdMixin, SchoolOwned, TimestampMixin, Base):
    __tablename__ = "guardian_contact"

    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id"), index=True)
    kind: Mapped[ContactKind] = mapped_column(str_enum(ContactKind, "contact_kind"))
    value: Mapped[str] = mapped_column(String(200))
    provenance: Mapped[Provenance] = mapped_column(str_enum(Provenance, "contact_provenance"))
    provenance_ref: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime]


class GuardianLink(IdMixin, SchoolOwned, TimestampMixin, CreatedBy, Base):
    """A verified, dated link of a guardian to a student: the parent's scope K."""

    __tablename__ = "guardian_link"
    __table_args__ = (
        CheckConstraint("active_to IS NULL OR active_from <= active_to", name="dates"),
        Index("ix_guardian_link_pair", "guardian_id", "student_id"),
    )

    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    relation: Mapped[GuardianRelation] = mapped_column(str_enum(GuardianRelation, "guardian_relation"))
    is_legal_representative: Mapped[bool] = mapped_column(Boolean, default=True)
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    verified_at: Mapped[datetime | None]
    active_from: Mapped[date] = mapped_column(Date)
    active_to: Mapped[date | None] = mapped_column(Date)


class Staff(IdMixin, SchoolOwned, TimestampMixin, Base):
    __tablename__ = "staff"

    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    patronymic: Mapped[str | None] = mapped_column(String(100))
    gender: Mapped[str | None] = mapped_column(String(1))
    positions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    status: Mapped[PersonStatus] = mapped_column(
        str_enum(PersonStatus, "staff_status"), default=PersonStatus.active
    )
    entered_on: Mapped[date | None] = mapped_column(Date)


class StaffRole(IdMixin, SchoolOwned, TimestampMixin, CreatedBy, Base):
    """A staff role in a school, optionally for one academic year (§2.1); form tutor comes from the class."""

    __tablename__ = "staff_role"
    __table_args__ = (
        UniqueConstraint("staff_id", "role", "year_id"),
        CheckConstraint("role <> 'form_tutor'", name="form_tutor_from_class"),
    )

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "staff_role_role"))
    year_id: Mapped[int | None] = mapped_column(ForeignKey("academic_year.id"))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class Inspector(IdMixin, SchoolOwned, TimestampMixin, Base):
    __tablename__ = "inspector"
    __table_args__ = (CheckConstraint("valid_from <= valid_to", name="dates"),)

    full_name: Mapped[str] = mapped_column(String(300))
    organisation: Mapped[str] = mapped_column(String(300))
    basis: Mapped[str] = mapped_column(String(300))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)


class Account(IdMixin, SchoolOwned, TimestampMixin, Base):
    """One human's login in one school; it may carry several identities (a teacher who is also a parent).

    A student identity never shares an account with a staff identity (R47).
    """

    __tablename__ = "account"
    __table_args__ = (
        CheckConstraint("NOT (student_id IS NOT NULL AND staff_id IS NOT NULL)", name="student_not_staff"),
        CheckConstraint(
            "staff_id IS NOT NULL OR student_id IS NOT NULL OR guardian_id IS NOT NULL"
            " OR inspector_id IS NOT NULL OR is_operator",
            name="has_identity",
        ),
        UniqueConstraint("web_login"),
        UniqueConstraint("staff_id"),
        UniqueConstraint("student_id"),
        UniqueConstraint("guardian_id"),
        UniqueConstraint("inspector_id"),
    )

    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id"))
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id"))
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("inspector.id"))
    is_operator: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[AccountStatus] = mapped_column(
        str_enum(AccountStatus, "account_status"), default=AccountStatus.invited
    )
    web_login: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    blocked_at: Mapped[datetime | None]


class TelegramBinding(IdMixin, SchoolOwned, TimestampMixin, Base):
    __tablename__ = "telegram_binding"
    __table_args__ = (
        Index(
            "uq_telegram_binding_active_user",
            "school_id",
            "telegram_user_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
        Index("ix_telegram_binding_user", "telegram_user_id"),
    )

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    bound_at: Mapped[datetime]
    via_invite_id: Mapped[int | None] = mapped_column(ForeignKey("invite.id"))
    provenance: Mapped[Provenance] = mapped_column(
        str_enum(Provenance, "binding_provenance"), default=Provenance.invite_redeemed
    )
    unreachable_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoke_reason: Mapped[str | None] = mapped_column(String(64))


class WebSession(IdMixin, SchoolOwned, TimestampMixin, Base):
    """Server-side record of a web session, so a compromise can revoke it (R104)."""

    __tablename__ = "web_session"

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_seen_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class Invite(IdMixin, SchoolOwned, TimestampMixin, Base):
    """A personal, single-use invite; only hashes of the token and short code are stored (R126)."""

    __tablename__ = "invite"

    person_type: Mapped[PersonType] = mapped_column(str_enum(PersonType, "invite_person_type"))
    person_id: Mapped[int] = mapped_column()
    role: Mapped[Role] = mapped_column(str_enum(Role, "invite_role"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    issued_at: Mapped[datetime]
    channel: Mapped[InviteChannel] = mapped_column(str_enum(InviteChannel, "invite_channel"))
    expires_at: Mapped[datetime]
    receipt_acknowledged: Mapped[bool] = mapped_column(Boolean, default=False)
    receipt_date: Mapped[date | None] = mapped_column(Date)
    redeemed_at: Mapped[datetime | None]
    redeemed_telegram_user_id: Mapped[int | None] = mapped_column(BigInteger)
    revoked_at: Mapped[datetime | None]
    revoke_reason: Mapped[str | None] = mapped_column(String(64))


class InviteAttempt(IdMixin, Base):
    """Wrong invite codes per Telegram user, for the 5-per-hour lock (R126)."""

    __tablename__ = "invite_attempt"
    __table_args__ = (Index("ix_invite_attempt_user_at", "telegram_user_id", "attempted_at"),)

    telegram_user_id: Mapped[int] = mapped_column(BigInteger)
    attempted_at: Mapped[datetime]
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)


class StudentAccessApplication(IdMixin, SchoolOwned, TimestampMixin, CreatedBy, Base):
    __tablename__ = "student_access_application"

    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    applicant_guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id"))
    received_at: Mapped[datetime]
    document_ref: Mapped[str] = mapped_column(String(200))


class ConsentRecord(IdMixin, SchoolOwned, TimestampMixin, Base):
    """Append-only consent decisions; the latest per person wins (R93)."""

    __tablename__ = "consent_record"
    __table_args__ = (Index("ix_consent_subject", "subject_type", "subject_id", "recorded_at"),)

    subject_type: Mapped[PersonType] = mapped_column(str_enum(PersonType, "consent_subject_type"))
    subject_id: Mapped[int] = mapped_column()
    given_by_guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id"))
    decision: Mapped[ConsentDecision] = mapped_column(str_enum(ConsentDecision, "consent_decision"))
    processing_in_system: Mapped[bool] = mapped_column(Boolean, default=True)
    electronic_delivery_messenger: Mapped[bool] = mapped_column(Boolean, default=False)
    decision_date: Mapped[date] = mapped_column(Date)
    document_ref: Mapped[str | None] = mapped_column(String(200))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    recorded_at: Mapped[datetime]


class PaperServiceDecision(IdMixin, SchoolOwned, TimestampMixin, Base):
    """Append-only refusals of (and returns to) the electronic service (R84)."""

    __tablename__ = "paper_service_decision"

    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id"), index=True)
    paper_only: Mapped[bool] = mapped_column(Boolean)
    decided_on: Mapped[date] = mapped_column(Date)
    basis: Mapped[str] = mapped_column(String(300))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    recorded_at: Mapped[datetime]


class CompromiseReport(IdMixin, SchoolOwned, TimestampMixin, Base):
    __tablename__ = "compromise_report"

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    learned_at: Mapped[datetime]
    received_at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(16))
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    actions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    review_window_from: Mapped[datetime]
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    reviewed_at: Mapped[datetime | None]
    voided_operation_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)


class AccessDetailsRequest(IdMixin, SchoolOwned, TimestampMixin, Base):
    """A staff member's request for access details, answered within 5 days (R99)."""

    __tablename__ = "access_details_request"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    filed_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
