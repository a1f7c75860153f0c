"""Closed vocabularies of the journal (spec §1, §3); stored by value."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    coordinator = "coordinator"
    head = "head"
    deputy_head = "deputy_head"
    teacher = "teacher"
    form_tutor = "form_tutor"
    specialist = "specialist"
    student = "student"
    parent = "parent"
    inspector = "inspector"
    operator = "operator"
    contingent_clerk = "contingent_clerk"


STAFF_ROLES = frozenset(
    {
        Role.coordinator,
        Role.head,
        Role.deputy_head,
        Role.teacher,
        Role.form_tutor,
        Role.specialist,
        Role.contingent_clerk,
    }
)
ADMIN_ROLES = frozenset({Role.coordinator, Role.head, Role.deputy_head})


class Channel(StrEnum):
    bot = "bot"
    web = "web"
    import_ = "import"
    system = "system"


class YearStatus(StrEnum):
    draft = "draft"
    active = "active"
    closing = "closing"
    closed = "closed"
    archived = "archived"


class PeriodKind(StrEnum):
    quarter = "quarter"
    trimester = "trimester"
    half_year = "half_year"
    module = "module"
    custom = "custom"


class PeriodStatus(StrEnum):
    open = "open"
    closed = "closed"


class HolidayType(StrEnum):
    autumn = "autumn"
    winter = "winter"
    spring = "spring"
    summer = "summer"
    extra_grade1 = "extra_grade1"
    other = "other"


class CalendarDayKind(StrEnum):
    non_working = "non_working"
    working = "working"  # a transferred working day (e.g. a Saturday)


class SubjectComponent(StrEnum):
    federal = "federal"
    regional = "regional"
    school = "school"


class ActivityKind(StrEnum):
    lesson = "lesson"
    elective = "elective"
    club = "club"
    extended_day = "extended_day"
    extracurricular = "extracurricular"
    additional = "additional"


class ScaleKind(StrEnum):
    numeric = "numeric"
    pass_fail = "pass_fail"
    level = "level"
    custom = "custom"


class EducationLevel(StrEnum):
    primary = "primary"  # НОО 1–4
    basic = "basic"  # ООО 5–9
    secondary = "secondary"  # СОО 10–11


class Profile(StrEnum):
    natural_science = "natural_science"
    humanities = "humanities"
    socio_economic = "socio_economic"
    technological = "technological"
    universal = "universal"
    other = "other"


class GroupKind(StrEnum):
    whole_class = "whole_class"
    subgroup = "subgroup"
    cross_class = "cross_class"
    stream = "stream"
    individual = "individual"


class StudentStatus(StrEnum):
    enrolled = "enrolled"
    left = "left"
    graduated = "graduated"


class EnrollmentReason(StrEnum):
    admission = "admission"
    arrival = "arrival"
    transfer = "transfer"
    promotion = "promotion"
    withdrawal = "withdrawal"
    graduation = "graduation"


class GuardianRelation(StrEnum):
    mother = "mother"
    father = "father"
    guardian = "guardian"
    other_legal_rep = "other_legal_rep"


class ContactKind(StrEnum):
    phone = "phone"
    email = "email"


class Provenance(StrEnum):
    written_statement = "written_statement"
    invite_redeemed = "invite_redeemed"
    e_signed_document = "e_signed_document"


class StaffPosition(StrEnum):
    teacher = "teacher"
    psychologist = "psychologist"
    social_pedagogue = "social_pedagogue"
    deputy_head = "deputy_head"
    head = "head"
    coordinator = "coordinator"
    secretary = "secretary"
    other = "other"


class PersonStatus(StrEnum):
    active = "active"
    left = "left"


class AccountStatus(StrEnum):
    invited = "invited"
    active = "active"
    blocked = "blocked"
    compromised = "compromised"
    disabled = "disabled"


class PersonType(StrEnum):
    staff = "staff"
    student = "student"
    guardian = "guardian"
    inspector = "inspector"


class InviteChannel(StrEnum):
    paper_slip = "paper_slip"
    personal_email = "personal_email"
    in_person = "in_person"


class ConsentDecision(StrEnum):
    given = "given"
    refused = "refused"
    withdrawn = "withdrawn"
    pending = "pending"  # lenient mode only (R93)


class LessonStatus(StrEnum):
    planned = "planned"
    held = "held"
    cancelled = "cancelled"
    rescheduled = "rescheduled"


class HomeworkStatus(StrEnum):
    unset = "unset"
    given = "given"
    none = "none"


class SubstitutionKind(StrEnum):
    substitution = "substitution"
    combined = "combined"
    reschedule = "reschedule"
    cancellation = "cancellation"
    room_change = "room_change"


class SubstitutionReason(StrEnum):
    illness = "illness"
    course = "course"
    other = "other"


class RequestStatus(StrEnum):
    requested = "requested"
    registered = "registered"
    rejected = "rejected"


class PlanStatus(StrEnum):
    draft = "draft"
    approved = "approved"


class RowStatus(StrEnum):
    active = "active"
    void = "void"


class PeriodMarkKind(StrEnum):
    period = "period"
    annual = "annual"
    exam = "exam"
    final = "final"


class PeriodCode(StrEnum):
    exempt = "осв"
    not_attested = "н/а"
    ungraded = "безотм"


class DeferralReason(StrEnum):
    illness = "illness"
    other_documented = "other_documented"


class AttendanceStatus(StrEnum):
    absent = "absent"
    late = "late"


class AbsenceReason(StrEnum):
    ill = "ill"
    excused = "excused"
    unexcused = "unexcused"
    unknown = "unknown"


class HomeworkScope(StrEnum):
    general = "general"
    individual = "individual"


class NoteKind(StrEnum):
    comment = "comment"
    special = "special"
    remark = "remark"
    praise = "praise"
    recommendation = "recommendation"


class ChangeReason(StrEnum):
    retake = "retake"
    error = "error"
    correction = "correction"
    compromise = "compromise"
    withdrawal = "withdrawal"
    other = "other"


class MessageKind(StrEnum):
    direct = "direct"
    class_broadcast = "class_broadcast"
    announcement = "announcement"


class DigestMode(StrEnum):
    instant = "instant"
    daily = "daily"


class NotificationCategory(StrEnum):
    marks = "marks"
    attendance = "attendance"
    period_marks = "period_marks"
    schedule = "schedule"
    control_works = "control_works"
    homework = "homework"
    messages = "messages"
    weekly_digest = "weekly_digest"
    service = "service"
    staff = "staff"


class OutboxStatus(StrEnum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    cancelled = "cancelled"
    failed = "failed"


class DiarySection(StrEnum):
    marks = "marks"
    homework = "homework"
    attendance = "attendance"
    schedule = "schedule"
    period_marks = "period_marks"
    summary = "summary"
    day = "day"
    teachers = "teachers"
    missed_topics = "missed_topics"
    unsatisfactory_topics = "unsatisfactory_topics"


class DataRequestKind(StrEnum):
    wrong_mark = "wrong_mark"
    wrong_data = "wrong_data"
    lost_credentials = "lost_credentials"
    other = "other"


class ApprovalDecision(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class AuditAction(StrEnum):
    create = "create"
    update = "update"
    void = "void"
    lock = "lock"
    unlock = "unlock"
    login = "login"
    access_denied = "access_denied"
    block = "block"
    export = "export"
    print = "print"
    inspector_read = "inspector_read"
    approve = "approve"
    reject = "reject"
    redeem = "redeem"
    revoke = "revoke"


class ArchiveKind(StrEnum):
    weekly = "weekly"
    period_close = "period_close"
    yearly = "yearly"
    journal_print = "journal_print"
    summary_sheet = "summary_sheet"
    ad_hoc = "ad_hoc"


class BackupKind(StrEnum):
    scheduled = "scheduled"
    manual = "manual"


class PromotionDecision(StrEnum):
    promoted = "promoted"
    conditionally_promoted = "conditionally_promoted"
    retained = "retained"
    graduated = "graduated"
