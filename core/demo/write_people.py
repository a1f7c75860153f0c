"""Phase 2: staff with roles and accounts, classes with form tutors, groups, pupils and their families."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from core.db.models import (
    Account,
    ConsentRecord,
    Enrollment,
    Group,
    GroupClass,
    GroupMembership,
    Guardian,
    GuardianContact,
    GuardianLink,
    PaperServiceDecision,
    SchoolClass,
    Staff,
    StaffRole,
    Student,
    SubjectTeacher,
)
from core.demo.logins import LOGIN_ROLES, WEB_LOGINS, demo_passwords, login_holders, login_name
from core.demo.names import Person, adult
from core.demo.people import arrivals_and_leavers, plan_families, split_halves
from core.demo.seeding import DemoLogin, Seeding
from core.domain.enums import (
    AccountStatus,
    ConsentDecision,
    ContactKind,
    EnrollmentReason,
    GroupKind,
    PersonType,
    Profile,
    Provenance,
    Role,
    StudentStatus,
)

# Office holders besides the teachers: key, positions, roles, share of women.
OFFICES = (
    ("head", ["head"], [Role.head], 0.6),
    ("deputy", ["deputy_head"], [Role.deputy_head], 0.8),
    ("deputy2", ["deputy_head"], [Role.deputy_head], 0.8),
    ("psychologist", ["psychologist"], [Role.specialist], 0.9),
    ("social", ["social_pedagogue"], [Role.specialist], 0.9),
    ("secretary", ["secretary"], [Role.contingent_clerk], 0.95),
)


async def write_staff(ctx: Seeding) -> None:
    w, sid, rng, start = ctx.writer, ctx.school_id, ctx.rng("staff"), ctx.year.start
    people: dict[str, tuple[Person, list[str], list[Role]]] = {}
    for key, positions, roles, women in OFFICES:
        people[key] = (adult(rng, "F" if rng.random() < women else "M"), positions, roles)
    holders = login_holders(ctx)
    for key, teacher in ctx.plan.teachers.items():
        positions, roles = ["teacher"], [Role.teacher]
        if key == holders["coordinator"]:
            positions, roles = ["teacher", "coordinator"], [Role.coordinator, Role.teacher]
        people[key] = (teacher.person, positions, roles)
    keys = list(people)
    entered = {k: start - timedelta(days=rng.randint(60, 30 * 365)) for k in keys}
    ids = await w.add_ids(
        Staff,
        [
            {
                "school_id": sid,
                "last_name": p.last_name,
                "first_name": p.first_name,
                "patronymic": p.patronymic,
                "gender": p.gender,
                "positions": positions,
                "entered_on": entered[k],
            }
            for k, (p, positions, _) in people.items()
        ],
    )
    ctx.staff_ids = dict(zip(keys, ids, strict=True))
    passwords = demo_passwords(ctx.seed)
    web = {holders[r]: r for r in WEB_LOGINS}
    # Every staff member gets an account (marks need an author); the four web logins get their
    # password hashes at the end, in set_demo_passwords, while argon2 runs in a thread meanwhile.
    account_rows: list[dict[str, Any]] = [
        {
            "school_id": sid,
            "staff_id": ctx.staff_ids[k],
            "status": AccountStatus.active,
            "web_login": login_name(ctx.slug, web[k]) if k in web else None,
            "password_hash": None,
            "must_change_password": k not in web,
        }
        for k in keys
    ]
    ctx.account_ids = dict(zip(keys, await w.add_ids(Account, account_rows), strict=True))
    ctx.coordinator_account = ctx.account_ids[holders["coordinator"]]
    for role in WEB_LOGINS:
        person = people[holders[role]][0]
        ctx.logins.append(
            DemoLogin(LOGIN_ROLES[role].value, login_name(ctx.slug, role), passwords[role], person.full_name)
        )
    await w.add(
        StaffRole,
        [
            {
                "school_id": sid,
                "staff_id": ctx.staff_ids[k],
                "role": r,
                "valid_from": start,
                "created_by": ctx.coordinator_account,
            }
            for k, (_, _, roles) in people.items()
            for r in roles
        ],
    )
    # A staff account needs consent to processing first (R93).
    await w.add(
        ConsentRecord,
        [
            _consent(
                ctx,
                PersonType.staff,
                ctx.staff_ids[k],
                None,
                ConsentDecision.given,
                True,
                min(entered[k], start - timedelta(days=7)),
                n,
            )
            for n, k in enumerate(keys, start=1)
        ],
    )
    pairs = sorted({(subject, teacher) for (_, subject), (teacher, _) in ctx.plan.teaching.items()})
    await w.add(
        SubjectTeacher,
        [
            {"school_id": sid, "subject_id": ctx.subject_ids[s], "staff_id": ctx.staff_ids[t]}
            for s, t in pairs
        ],
    )


def _consent(
    ctx: Seeding,
    subject_type: PersonType,
    subject_id: int,
    given_by: int | None,
    decision: ConsentDecision,
    messenger: bool,
    day: date,
    number: int,
) -> dict[str, Any]:
    return {
        "school_id": ctx.school_id,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "given_by_guardian_id": given_by,
        "decision": decision,
        "processing_in_system": decision is ConsentDecision.given,
        "electronic_delivery_messenger": messenger,
        "decision_date": day,
        "document_ref": f"Заявление № {number}-{subject_type.value[:2]} от {day:%d.%m.%Y}",
        "recorded_by": ctx.coordinator_account,
        "recorded_at": ctx.at(day, 10),
    }


async def write_classes(ctx: Seeding) -> None:
    w, sid, plan = ctx.writer, ctx.school_id, ctx.plan
    ids = await w.add_ids(
        SchoolClass,
        [
            {
                "school_id": sid,
                "year_id": ctx.year_id,
                "parallel_id": ctx.parallel_ids[c.grade],
                "letter": c.letter,
                "name": c.name,
                "form_tutor_staff_id": ctx.staff_ids[plan.form_tutors[c.name]],
                "period_scheme_id": ctx.scheme_for_grade[c.grade],
                "work_regime_id": ctx.regime_id,
                "profile": Profile.universal if c.grade >= 10 else None,
                "created_by": ctx.coordinator_account,
            }
            for c in plan.classes
        ],
    )
    ctx.class_ids = {c.name: i for c, i in zip(plan.classes, ids, strict=True)}
    groups = list(plan.groups.values())
    ids = await w.add_ids(
        Group,
        [
            {
                "school_id": sid,
                "year_id": ctx.year_id,
                "kind": GroupKind.whole_class if g.subject is None else GroupKind.subgroup,
                "name": g.name,
                "subject_id": ctx.subject_ids[g.subject] if g.subject else None,
                "split_key": g.split_key,
                "work_regime_id": ctx.regime_id,
                "created_by": ctx.coordinator_account,
            }
            for g in groups
        ],
    )
    ctx.group_ids = {g.name: i for g, i in zip(groups, ids, strict=True)}
    await w.add(
        GroupClass,
        [
            {"school_id": sid, "group_id": ctx.group_ids[g.name], "class_id": ctx.class_ids[g.class_name]}
            for g in groups
        ],
    )


async def write_students(ctx: Seeding, window_days: list[date]) -> None:
    """Pupils with enrollments and subgroup memberships; whole-class groups follow the enrollments."""
    w, sid, rng = ctx.writer, ctx.school_id, ctx.rng("people")
    students, guardians = plan_families(rng, ctx.plan.classes, ctx.year.start)
    split_halves(students)
    arrivals_and_leavers(rng, students, window_days)
    ctx.students, ctx.guardians = students, guardians
    ctx.student_ids = await w.add_ids(
        Student,
        [
            {
                "school_id": sid,
                "last_name": s.person.last_name,
                "first_name": s.person.first_name,
                "patronymic": s.person.patronymic,
                "gender": s.person.gender,
                "birth_date": s.birth_date,
                "status": StudentStatus.left if s.to_date else StudentStatus.enrolled,
            }
            for s in students
        ],
    )
    enrollments, memberships = [], []
    subgroups = [g for g in ctx.plan.groups.values() if g.subject is not None]
    halves: dict[tuple[str, int | None], list[str]] = defaultdict(list)
    for g in subgroups:
        halves[(g.class_name, g.half)].append(g.name)
    for s, student_id in zip(students, ctx.student_ids, strict=True):
        enrollments.append(
            {
                "school_id": sid,
                "student_id": student_id,
                "class_id": ctx.class_ids[s.class_name],
                "from_date": s.from_date,
                "to_date": s.to_date,
                "reason": s.reason,
                "leave_reason": EnrollmentReason.withdrawal if s.to_date else None,
                "created_by": ctx.coordinator_account,
            }
        )
        ctx.rosters.add(ctx.group_ids[s.class_name], student_id, s.from_date, s.to_date)
        for group in halves.get((s.class_name, s.half), []):
            memberships.append(
                {
                    "school_id": sid,
                    "group_id": ctx.group_ids[group],
                    "student_id": student_id,
                    "from_date": s.from_date,
                    "to_date": s.to_date,
                    "created_by": ctx.coordinator_account,
                }
            )
            ctx.rosters.add(ctx.group_ids[group], student_id, s.from_date, s.to_date)
    await w.add(Enrollment, enrollments)
    await w.add(GroupMembership, memberships)


async def write_guardians(ctx: Seeding) -> None:
    """Parents with contacts, verified links, consent; those who refused are served on paper (R84)."""
    w, sid, guardians, rng = ctx.writer, ctx.school_id, ctx.guardians, ctx.rng("consent")
    since = {g.key: min(ctx.students[c].from_date for c in g.children) for g in guardians}
    decided = {g.key: since[g.key] - timedelta(days=rng.randint(1, 9)) for g in guardians}
    ids = await w.add_ids(
        Guardian,
        [
            {
                "school_id": sid,
                "last_name": g.person.last_name,
                "first_name": g.person.first_name,
                "patronymic": g.person.patronymic,
                "gender": g.person.gender,
                "paper_only": g.consent == "refused",
                "paper_only_since": decided[g.key] if g.consent == "refused" else None,
                "paper_only_basis": _refusal(g.key, decided[g.key]) if g.consent == "refused" else None,
            }
            for g in guardians
        ],
    )
    contacts, links, consents, paper = [], [], [], []
    for g, gid in zip(guardians, ids, strict=True):
        stamp = ctx.at(decided[g.key], 10)
        for kind, value in ((ContactKind.phone, g.phone), (ContactKind.email, g.email)):
            if value:
                contacts.append(
                    {
                        "school_id": sid,
                        "guardian_id": gid,
                        "kind": kind,
                        "value": value,
                        "provenance": Provenance.written_statement,
                        "provenance_ref": "Заявление о приёме на обучение",
                        "recorded_at": stamp,
                    }
                )
        for child in g.children:
            day = ctx.students[child].from_date
            links.append(
                {
                    "school_id": sid,
                    "guardian_id": gid,
                    "student_id": ctx.student_ids[child],
                    "relation": g.relation,
                    "is_legal_representative": True,
                    "verified_by": ctx.coordinator_account,
                    "verified_at": ctx.at(day, 11),
                    "active_from": day,
                    "created_by": ctx.coordinator_account,
                }
            )
        decision = ConsentDecision.refused if g.consent == "refused" else ConsentDecision.given
        consents.append(
            _consent(
                ctx, PersonType.guardian, gid, None, decision, g.consent == "given", decided[g.key], g.key + 1
            )
        )
        if g.consent == "refused":
            paper.append(
                {
                    "school_id": sid,
                    "guardian_id": gid,
                    "paper_only": True,
                    "decided_on": decided[g.key],
                    "basis": _refusal(g.key, decided[g.key]),
                    "recorded_by": ctx.coordinator_account,
                    "recorded_at": stamp,
                }
            )
    consents += _student_consents(ctx, ids, decided)
    await w.add(GuardianContact, contacts)
    await w.add(GuardianLink, links)
    await w.add(ConsentRecord, consents)
    await w.add(PaperServiceDecision, paper)


def _student_consents(
    ctx: Seeding, guardian_ids: list[int], decided: dict[int, date]
) -> list[dict[str, Any]]:
    """A pupil's consent is given by a legal representative (R83); refused if every one refused."""
    reps: dict[int, list[int]] = {}
    for g in ctx.guardians:
        for child in g.children:
            reps.setdefault(child, []).append(g.key)
    rows = []
    for child, keys in sorted(reps.items()):
        agreeing = [k for k in keys if ctx.guardians[k].consent != "refused"]
        by = agreeing[0] if agreeing else keys[0]
        decision = ConsentDecision.given if agreeing else ConsentDecision.refused
        messenger = ctx.guardians[by].consent == "given"
        rows.append(
            _consent(
                ctx,
                PersonType.student,
                ctx.student_ids[child],
                guardian_ids[by],
                decision,
                messenger,
                decided[by],
                child + 1,
            )
        )
    return rows


def _refusal(key: int, day: date) -> str:
    return f"Заявление об отказе от электронного информирования № {key + 1} от {day:%d.%m.%Y}"
