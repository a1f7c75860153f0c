"""The acceptance-check fixture of spec §8, built directly in the database for one test.

School on default policies, Europe/Moscow; year 2025/2026 (01.09.2025–31.08.2026, teaching ends
26.05.2026) with quarters (Q1 01.09–24.10.2025); five-point scale and the §10 work types; class 5А
with form tutor K and class 5Б; Maths taught in 5А by T and in 5Б by T2; English in 5А split into
two subgroups taught by E; lesson L = 5А Maths, Wednesday 08.10.2025, slot 3.
Every test gets a school of its own, so tests never see each other's rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.catalog import default_work_types, ensure_builtin_scales
from core.db.models import (
    AcademicYear,
    Account,
    Assignment,
    BellSchedule,
    BellSlot,
    ConsentRecord,
    CurriculumPlan,
    Enrollment,
    Group,
    GroupClass,
    GroupMembership,
    Guardian,
    GuardianLink,
    Inspector,
    Lesson,
    Parallel,
    PeriodScheme,
    ReportingPeriod,
    School,
    SchoolClass,
    SchoolPolicyRecord,
    Staff,
    StaffRole,
    Student,
    Subject,
    Subscription,
    TelegramBinding,
)
from core.domain.actor import Actor
from core.domain.enums import (
    AccountStatus,
    Channel,
    ConsentDecision,
    EducationLevel,
    EnrollmentReason,
    GroupKind,
    GuardianRelation,
    PeriodKind,
    PersonType,
    Role,
    YearStatus,
)

MSK = ZoneInfo("Europe/Moscow")
YEAR_START = date(2025, 9, 1)
L_DATE = date(2025, 10, 8)
QUARTERS = (
    (date(2025, 9, 1), date(2025, 10, 24)),
    (date(2025, 11, 5), date(2025, 12, 28)),
    (date(2026, 1, 12), date(2026, 3, 20)),
    (date(2026, 3, 30), date(2026, 5, 26)),
)
SLOTS = ((8, 30), (9, 25), (10, 20), (11, 25), (12, 30), (13, 35), (14, 30))


def msk(y: int, mo: int, d: int, h: int = 12, mi: int = 0, s: int = 0) -> datetime:
    """A Moscow wall-clock time as an aware UTC datetime."""
    return datetime(y, mo, d, h, mi, s, tzinfo=MSK).astimezone(UTC)


@dataclass
class SpecSchool:
    sessionmaker: async_sessionmaker[AsyncSession]
    school_id: int = 0
    year_id: int = 0
    period_ids: list[int] = field(default_factory=list)
    slot_ids: dict[int, int] = field(default_factory=dict)
    class_ids: dict[str, int] = field(default_factory=dict)
    subject_ids: dict[str, int] = field(default_factory=dict)
    group_ids: dict[str, int] = field(default_factory=dict)
    work_type_ids: dict[str, int] = field(default_factory=dict)
    staff_ids: dict[str, int] = field(default_factory=dict)
    account_ids: dict[str, int] = field(default_factory=dict)
    student_ids: dict[str, int] = field(default_factory=dict)
    guardian_ids: dict[str, int] = field(default_factory=dict)
    lesson_l: int = 0

    @property
    def q1(self) -> int:
        return self.period_ids[0]

    def actor(self, who: str, at: datetime | None = None, channel: Channel = Channel.bot) -> Actor:
        """An actor for one of the fixture's people (T, T2, E, U, K, head, deputy, coordinator, P, S...)."""
        return Actor(self.account_ids[who], self.school_id, channel, at=at or msk(2025, 10, 8, 15))

    def system(self, at: datetime | None = None) -> Actor:
        return Actor.system(self.school_id, at or msk(2025, 10, 8, 15))

    async def add_lesson(
        self, day: date, *, group: str = "5А", subject: str = "maths", slot: int = 3, teacher: str = "T"
    ) -> int:
        async with self.sessionmaker() as session:
            lesson = Lesson(
                school_id=self.school_id,
                date=day,
                bell_slot_id=self.slot_ids[slot],
                group_id=self.group_ids[group],
                subject_id=self.subject_ids[subject],
                scheduled_teacher_id=self.staff_ids[teacher],
                actual_teacher_id=self.staff_ids[teacher],
            )
            session.add(lesson)
            await session.commit()
            return lesson.id

    async def bind(self, who: str) -> int:
        """A live Telegram binding of `who`'s account, as if redeemed on 02.09.2025; returns the user id."""
        telegram_user_id = 7_000_000_000 + self.account_ids[who]
        async with self.sessionmaker() as session:
            session.add(
                TelegramBinding(
                    school_id=self.school_id,
                    account_id=self.account_ids[who],
                    telegram_user_id=telegram_user_id,
                    chat_id=telegram_user_id,
                    bound_at=msk(2025, 9, 2),
                )
            )
            await session.commit()
        return telegram_user_id

    async def subscribe(
        self,
        who: str,
        child: str,
        categories: list[str],
        *,
        confirmed: bool = True,
        quiet: tuple[time, time] | None = None,
    ) -> None:
        """Bind `who` and give it a subscription about `child` (confirmed unless told otherwise)."""
        await self.bind(who)
        async with self.sessionmaker() as session:
            session.add(
                Subscription(
                    school_id=self.school_id,
                    account_id=self.account_ids[who],
                    student_id=self.student_ids[child],
                    categories=categories,
                    confirmed_at=msk(2025, 9, 2) if confirmed else None,
                    quiet_start=quiet[0] if quiet else None,
                    quiet_end=quiet[1] if quiet else None,
                )
            )
            await session.commit()

    async def set_policy(self, **values: object) -> None:
        from core.policy.settings import SchoolPolicy

        async with self.sessionmaker() as session:
            record = await session.scalar(
                select(SchoolPolicyRecord).where(SchoolPolicyRecord.school_id == self.school_id)
            )
            assert record is not None
            record.data = SchoolPolicy.from_stored(dict(record.data)).changed(**values).to_stored()
            await session.commit()


async def build_spec_school(
    sessionmaker: async_sessionmaker[AsyncSession], students_5a: int = 6
) -> SpecSchool:
    """Create the §8 fixture school; returns the ids tests refer to by name."""
    b = SpecSchool(sessionmaker)
    async with sessionmaker() as s:
        scales = await ensure_builtin_scales(s)
        school = School(
            name="Школа № 8",
            short_name="Школа 8",
            slug=f"t-{uuid.uuid4().hex[:12]}",
        )
        s.add(school)
        await s.flush()
        b.school_id = sid = school.id
        s.add(SchoolPolicyRecord(school_id=sid, data={}))
        year = AcademicYear(
            school_id=sid,
            title="2025/2026",
            start_date=YEAR_START,
            teaching_end_date=date(2026, 5, 26),
            end_date=date(2026, 8, 31),
            status=YearStatus.active,
        )
        s.add(year)
        await s.flush()
        b.year_id = year.id
        scheme = PeriodScheme(
            school_id=sid,
            year_id=year.id,
            kind=PeriodKind.quarter,
            name="Четверти",
            grades=list(range(1, 10)),
        )
        s.add(scheme)
        await s.flush()
        for i, (start, end) in enumerate(QUARTERS, 1):
            period = ReportingPeriod(
                school_id=sid,
                scheme_id=scheme.id,
                seq=i,
                name=f"{i} четверть",
                start_date=start,
                end_date=end,
            )
            s.add(period)
            await s.flush()
            b.period_ids.append(period.id)
        bells = BellSchedule(school_id=sid, year_id=year.id, name="Основное")
        s.add(bells)
        await s.flush()
        for n, (h, m) in enumerate(SLOTS, 1):
            starts = datetime(2000, 1, 1, h, m)
            slot = BellSlot(
                school_id=sid,
                schedule_id=bells.id,
                number=n,
                start_time=starts.time(),
                end_time=(starts + timedelta(minutes=45)).time(),
            )
            s.add(slot)
            await s.flush()
            b.slot_ids[n] = slot.id
        five = Parallel(
            school_id=sid, grade=5, level=EducationLevel.basic, grading_scale_id=scales["five_point"]
        )
        s.add(five)
        await s.flush()
        for name, code in (
            ("Математика", "maths"),
            ("Английский язык", "english"),
            ("Физика", "physics"),
            ("Музыка", "music"),
        ):
            subject = Subject(school_id=sid, name=name, short_name=name[:8])
            s.add(subject)
            await s.flush()
            b.subject_ids[code] = subject.id
        for wt in default_work_types(sid):
            s.add(wt)
            await s.flush()
            b.work_type_ids[wt.code] = wt.id

        people = {
            "T": ("Смирнова", "Анна", "Петровна", [Role.teacher]),
            "T2": ("Кузнецов", "Олег", "Игоревич", [Role.teacher]),
            "E": ("Попова", "Мария", "Сергеевна", [Role.teacher]),
            "U": ("Васильев", "Денис", "Андреевич", [Role.teacher]),
            "K": ("Морозова", "Елена", "Викторовна", [Role.teacher]),
            "head": ("Волков", "Игорь", "Николаевич", [Role.head]),
            "deputy": ("Соколова", "Ирина", "Павловна", [Role.deputy_head]),
            "coordinator": ("Лебедев", "Артём", "Олегович", [Role.coordinator]),
        }
        for key, (last, first, patronymic, roles) in people.items():
            staff = Staff(
                school_id=sid,
                last_name=last,
                first_name=first,
                patronymic=patronymic,
                positions=["teacher"],
                entered_on=YEAR_START,
            )
            s.add(staff)
            await s.flush()
            b.staff_ids[key] = staff.id
            s.add_all(StaffRole(school_id=sid, staff_id=staff.id, role=r, year_id=year.id) for r in roles)
            account = Account(
                school_id=sid, staff_id=staff.id, status=AccountStatus.active, must_change_password=False
            )
            s.add(account)
            await s.flush()
            b.account_ids[key] = account.id

        for name in ("5А", "5Б"):
            cls = SchoolClass(
                school_id=sid,
                year_id=year.id,
                parallel_id=five.id,
                letter=name[1],
                name=name,
                form_tutor_staff_id=b.staff_ids["K"] if name == "5А" else b.staff_ids["T2"],
                period_scheme_id=scheme.id,
            )
            s.add(cls)
            await s.flush()
            b.class_ids[name] = cls.id
            group = Group(school_id=sid, year_id=year.id, kind=GroupKind.whole_class, name=name)
            s.add(group)
            await s.flush()
            s.add(GroupClass(school_id=sid, group_id=group.id, class_id=cls.id))
            b.group_ids[name] = group.id
            for subject in ("maths", "physics", "music"):
                s.add(
                    CurriculumPlan(
                        school_id=sid, year_id=year.id, subject_id=b.subject_ids[subject], class_id=cls.id
                    )
                )
        for n in (1, 2):
            group = Group(
                school_id=sid,
                year_id=year.id,
                kind=GroupKind.subgroup,
                name=f"5А англ. {n}",
                subject_id=b.subject_ids["english"],
                split_key="англ. 5А",
            )
            s.add(group)
            await s.flush()
            s.add(GroupClass(school_id=sid, group_id=group.id, class_id=b.class_ids["5А"]))
            b.group_ids[f"eng{n}"] = group.id
        s.add(
            CurriculumPlan(
                school_id=sid,
                year_id=year.id,
                subject_id=b.subject_ids["english"],
                class_id=b.class_ids["5А"],
            )
        )

        def assign(teacher: str, group: str, subject: str) -> None:
            s.add(
                Assignment(
                    school_id=sid,
                    staff_id=b.staff_ids[teacher],
                    group_id=b.group_ids[group],
                    subject_id=b.subject_ids[subject],
                    from_date=YEAR_START,
                )
            )

        assign("T", "5А", "maths")
        assign("T2", "5Б", "maths")
        assign("E", "eng1", "english")
        assign("K", "5А", "music")

        names_5a = [
            "Иванов Пётр",
            "Петрова Мария",
            "Сидоров Илья",
            "Козлова Анна",
            "Новиков Лев",
            "Орлова Вера",
            "Зайцев Глеб",
            "Белова Ольга",
        ]
        for i in range(students_5a):
            last, first = names_5a[i % len(names_5a)].split()
            key = ["S", "V", "X", "Y", "W", "Z", "Q", "R"][i]
            b.student_ids[key] = await _student(s, b, sid, last, first, "5А")
            sub = 1 if i % 2 == 0 else 2
            s.add(
                GroupMembership(
                    school_id=sid,
                    group_id=b.group_ids[f"eng{sub}"],
                    student_id=b.student_ids[key],
                    from_date=YEAR_START,
                )
            )
        b.student_ids["B"] = await _student(s, b, sid, "Фёдоров", "Максим", "5Б")

        for key, child in (("P", "S"), ("PY", "Y"), ("PB", "B")):
            guardian = Guardian(school_id=sid, last_name="Родитель", first_name=key, patronymic="Иванович")
            s.add(guardian)
            await s.flush()
            b.guardian_ids[key] = guardian.id
            s.add(
                GuardianLink(
                    school_id=sid,
                    guardian_id=guardian.id,
                    student_id=b.student_ids[child],
                    relation=GuardianRelation.mother,
                    verified_at=msk(2025, 9, 1),
                    active_from=YEAR_START,
                )
            )
            s.add(
                ConsentRecord(
                    school_id=sid,
                    subject_type=PersonType.guardian,
                    subject_id=guardian.id,
                    decision=ConsentDecision.given,
                    electronic_delivery_messenger=True,
                    decision_date=YEAR_START,
                    document_ref=f"С-{key}",
                    recorded_at=msk(2025, 9, 1),
                )
            )
            account = Account(school_id=sid, guardian_id=guardian.id, status=AccountStatus.active)
            s.add(account)
            await s.flush()
            b.account_ids[key] = account.id
        for key in ("S", "X"):
            account = Account(school_id=sid, student_id=b.student_ids[key], status=AccountStatus.active)
            s.add(account)
            await s.flush()
            b.account_ids[key] = account.id
        inspector = Inspector(
            school_id=sid,
            full_name="Инспектор Контролёва",
            organisation="Управление образования",
            basis="Приказ № 1",
            valid_from=YEAR_START,
            valid_to=date(2026, 8, 31),
        )
        s.add(inspector)
        await s.flush()
        account = Account(school_id=sid, inspector_id=inspector.id, status=AccountStatus.active)
        s.add(account)
        await s.flush()
        b.account_ids["inspector"] = account.id
        await s.commit()
    b.lesson_l = await b.add_lesson(L_DATE)
    return b


async def _student(s: AsyncSession, b: SpecSchool, sid: int, last: str, first: str, class_name: str) -> int:
    student = Student(school_id=sid, last_name=last, first_name=first, patronymic="Алексеевич")
    s.add(student)
    await s.flush()
    s.add(
        Enrollment(
            school_id=sid,
            student_id=student.id,
            class_id=b.class_ids[class_name],
            from_date=YEAR_START,
            reason=EnrollmentReason.admission,
        )
    )
    s.add(
        ConsentRecord(
            school_id=sid,
            subject_type=PersonType.student,
            subject_id=student.id,
            decision=ConsentDecision.given,
            electronic_delivery_messenger=True,
            decision_date=YEAR_START,
            document_ref="С-уч",
            recorded_at=msk(2025, 9, 1),
        )
    )
    return student.id
