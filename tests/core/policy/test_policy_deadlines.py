"""Deadlines of §4.11 on the spec fixture: Europe/Moscow, year 2025/2026, lesson L on Wed 08.10.2025."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.policy.calendar import WorkingCalendar, local_at
from core.policy.deadlines import (
    DeadlineRule,
    PeriodMarkTiming,
    access_request_due,
    attendance_deadline,
    classify_period_mark_entry,
    compromise_report_deadline,
    compromise_report_is_late,
    contingent_invite_due,
    data_report_due,
    deferral_due,
    deferral_is_overdue,
    homework_deadline,
    invite_expiry,
    is_late,
    lateness,
    mark_deadline,
    outage_adjusted_deadline,
    parse_deadline_rule,
    period_mark_window,
    staff_invite_due,
    substitution_deadline,
    topic_deadline,
    wrong_mark_report_deadline,
)
from core.policy.settings import HomeworkAnchor, SchoolPolicy

MSK = ZoneInfo("Europe/Moscow")
POLICY = SchoolPolicy()
LESSON_L = date(2025, 10, 8)
Q1_END = date(2025, 10, 24)
NO_HOLIDAYS = WorkingCalendar()


def msk(day: int, month: int, hour: int = 0, minute: int = 0, second: int = 0, year: int = 2025) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=MSK)


def test_classwork_mark_saved_one_minute_before_day_end_is_on_time() -> None:
    """R33, C24: a same-day mark at 20:59 on the lesson day is on time."""
    assert not is_late(msk(8, 10, 20, 59), mark_deadline(LESSON_L, "same_day", POLICY))


def test_classwork_mark_saved_one_minute_after_day_end_is_late() -> None:
    """R33, R4, C24: a same-day mark at 21:01 is accepted and flagged late, one minute late."""
    deadline = mark_deadline(LESSON_L, "same_day", POLICY)
    assert lateness(msk(8, 10, 21, 1), deadline) == timedelta(microseconds=1)


def test_mark_saved_within_the_day_end_minute_is_on_time() -> None:
    """R33, §0.2: "by 21:00" includes the whole 21:00 minute; late only from 21:01:00."""
    deadline = mark_deadline(LESSON_L, "same_day", POLICY)
    assert not is_late(msk(8, 10, 21, 0, 59), deadline)
    assert deadline.astimezone(MSK).strftime("%d.%m %H:%M") == "08.10 21:00"


def test_grace_days_move_the_mark_deadline_to_the_end_of_lesson_day_plus_grace() -> None:
    """R33, C25: with lesson_mark_grace_days = 2, 10.10 23:59 is on time and 11.10 00:01 late."""
    deadline = mark_deadline(LESSON_L, "same_day", POLICY.changed(lesson_mark_grace_days=2))
    assert not is_late(msk(10, 10, 23, 59, 59), deadline)
    assert is_late(msk(11, 10, 0, 1), deadline)


def test_written_control_work_marks_are_due_seven_days_after_the_work() -> None:
    """R34, C26: days:7 marks of a control work on 08.10 are on time on 15.10, late on 16.10."""
    deadline = mark_deadline(LESSON_L, "days:7", POLICY)
    assert not is_late(msk(15, 10, 23, 59, 59), deadline)
    assert is_late(msk(16, 10, 0, 0), deadline)


def test_internal_control_test_marks_are_due_three_days_after_the_test() -> None:
    """R34, C27: days:3 marks of a ВШК test on 08.10 are on time on 11.10, late on 12.10."""
    deadline = mark_deadline(LESSON_L, DeadlineRule(3), POLICY)
    assert not is_late(msk(11, 10, 18, 0), deadline)
    assert is_late(msk(12, 10, 8, 0), deadline)


def test_work_type_deadline_ignores_the_lesson_mark_grace_days() -> None:
    """R34: a work-type rule replaces R33, so lesson grace days do not extend it."""
    policy = POLICY.changed(lesson_mark_grace_days=7)
    assert mark_deadline(LESSON_L, "days:3", policy) == mark_deadline(LESSON_L, "days:3", POLICY)


@pytest.mark.parametrize(
    "text", ["", "same-day", "days:", "days:0", "days:-1", "days:x", "DAYS:3", "days:1000"]
)
def test_malformed_deadline_rule_is_refused(text: str) -> None:
    """R34: a work type's deadline_rule is "same_day" or "days:N" with N >= 1."""
    with pytest.raises(ValueError, match="days"):
        parse_deadline_rule(text)


@pytest.mark.parametrize("text", ["same_day", "days:3", "days:7"])
def test_deadline_rule_prints_as_it_is_stored(text: str) -> None:
    """R34: parsing and printing a rule round-trips the stored text."""
    assert str(parse_deadline_rule(text)) == text


def test_attendance_confirmed_at_half_past_nine_is_late() -> None:
    """R36, C29: "all present" confirmed at 21:30 on the lesson day is flagged late."""
    deadline = attendance_deadline(LESSON_L, POLICY)
    assert is_late(msk(8, 10, 21, 30), deadline)
    assert not is_late(msk(8, 10, 20, 0), deadline)


def test_attendance_grace_days_extend_to_the_end_of_the_later_day() -> None:
    """R36, X4: attendance_grace_days = 2 accepts attendance until 10.10 23:59:59."""
    deadline = attendance_deadline(LESSON_L, POLICY.changed(attendance_grace_days=2))
    assert not is_late(msk(10, 10, 23, 59, 59), deadline)
    assert is_late(msk(11, 10, 0, 0), deadline)


def test_topic_is_missing_once_day_end_has_passed() -> None:
    """R32, C35: a lesson still without a topic after 21:00 is flagged "topic missing"."""
    deadline = topic_deadline(LESSON_L, POLICY)
    assert not is_late(msk(8, 10, 21, 0), deadline)
    assert is_late(msk(8, 10, 21, 1), deadline)


def test_day_end_time_setting_moves_same_day_deadlines() -> None:
    """R2: a school with day_end_time 20:00 flags a 20:30 mark, attendance and topic."""
    policy = POLICY.changed(day_end_time=time(20, 0))
    for deadline in (
        mark_deadline(LESSON_L, "same_day", policy),
        attendance_deadline(LESSON_L, policy),
        topic_deadline(LESSON_L, policy),
    ):
        assert is_late(msk(8, 10, 20, 30), deadline)


def test_homework_saved_ninety_minutes_after_the_last_lesson_is_on_time() -> None:
    """R39, C32: the last lesson ends 13:40, so homework saved at 15:10 is on time."""
    assert not is_late(msk(8, 10, 15, 10), homework_deadline(LESSON_L, time(13, 40), POLICY))


def test_homework_saved_at_the_end_of_the_deadline_minute_is_on_time() -> None:
    """R39, C32: the deadline minute 15:10 is included: 15:10:59 is on time."""
    assert not is_late(msk(8, 10, 15, 10, 59), homework_deadline(LESSON_L, time(13, 40), POLICY))


def test_homework_saved_one_minute_after_the_deadline_is_late() -> None:
    """R39, C32: homework saved at 15:11 is flagged late."""
    assert is_late(msk(8, 10, 15, 11), homework_deadline(LESSON_L, time(13, 40), POLICY))


def test_lesson_end_anchor_with_three_hours_reproduces_the_other_source() -> None:
    """R39, X3: anchor lesson_end with 180 minutes: a lesson ending 09:45 takes homework until 12:45."""
    policy = POLICY.changed(homework_anchor=HomeworkAnchor.lesson_end, homework_delay_minutes=180)
    deadline = homework_deadline(LESSON_L, time(9, 45), policy)
    assert not is_late(msk(8, 10, 12, 45, 30), deadline)
    assert is_late(msk(8, 10, 12, 46), deadline)


def test_homework_deadline_rolls_into_the_next_day_after_a_late_evening_lesson() -> None:
    """R39: an evening group ending 23:00 with a 90-minute delay is due 09.10 00:30."""
    assert homework_deadline(LESSON_L, time(23, 0), POLICY).astimezone(MSK) == msk(9, 10, 0, 30, 59).replace(
        microsecond=999999
    )


def test_substitution_registered_the_day_after_the_lesson_is_late() -> None:
    """R42, C40: a substitution for an 08.10 lesson registered on 09.10 is flagged late."""
    deadline = substitution_deadline(LESSON_L, MSK)
    assert not is_late(msk(8, 10, 23, 59, 59), deadline)
    assert is_late(msk(9, 10, 8, 0), deadline)


def test_period_mark_window_opens_at_midnight_on_the_seventh_day_before_period_end() -> None:
    """R65: W = 7 and Q1 ending 24.10 open the window at 18.10 00:00 and end it at 24.10 23:59:59."""
    window = period_mark_window(Q1_END, POLICY)
    assert window.opens_at == msk(18, 10)
    assert window.deadline == msk(24, 10, 23, 59, 59).replace(microsecond=999999)


@pytest.mark.parametrize(
    ("entered_at", "timing"),
    [
        (msk(17, 10, 23, 59), PeriodMarkTiming.early),
        (msk(18, 10, 0, 0), PeriodMarkTiming.on_time),
        (msk(18, 10, 10, 0), PeriodMarkTiming.on_time),
        (msk(24, 10, 23, 59), PeriodMarkTiming.on_time),
        (msk(25, 10, 0, 0), PeriodMarkTiming.late),
        (msk(25, 10, 9, 0), PeriodMarkTiming.late),
    ],
)
def test_period_mark_entry_is_early_on_time_or_late(entered_at: datetime, timing: PeriodMarkTiming) -> None:
    """R65, C68: 17.10 needs confirmation, 18.10 is normal, 25.10 is flagged late."""
    assert classify_period_mark_entry(Q1_END, entered_at, POLICY) is timing


def test_period_mark_grace_days_extend_the_deadline() -> None:
    """R65, C68: with period_mark_grace_days = 7, 31.10 is on time and 01.11 is late."""
    policy = POLICY.changed(period_mark_grace_days=7)
    assert classify_period_mark_entry(Q1_END, msk(31, 10, 23, 0), policy) is PeriodMarkTiming.on_time
    assert classify_period_mark_entry(Q1_END, msk(1, 11, 0, 1), policy) is PeriodMarkTiming.late


def test_deferral_is_due_thirty_days_after_the_period_end() -> None:
    """R67, C70: a Q1 deferral (Q1 ends 24.10) is due on 23.11."""
    assert deferral_due(Q1_END, POLICY) == date(2025, 11, 23)


def test_deferral_without_a_mark_is_overdue_the_day_after_its_due_date() -> None:
    """R67, C70: the deferral due 23.11 is not overdue on 23.11 23:59 and is overdue on 24.11."""
    due = deferral_due(Q1_END, POLICY)
    assert not deferral_is_overdue(due, msk(23, 11, 23, 59), MSK)
    assert deferral_is_overdue(due, msk(24, 11, 0, 0), MSK)


def test_invite_issued_on_monday_is_valid_through_the_tenth_working_day() -> None:
    """R98, C99: issued Mon 06.10.2025, redeemable on 20.10 at 23:00, expired on 21.10."""
    expiry = invite_expiry(msk(6, 10, 11, 0), NO_HOLIDAYS, POLICY)
    assert not is_late(msk(20, 10, 23, 0), expiry)
    assert is_late(msk(21, 10, 0, 0), expiry)


def test_non_working_date_moves_invite_expiry_by_one_working_day() -> None:
    """R98, R3, C99: with 13.10 non-working, the invite expires at 21.10 23:59:59."""
    calendar = WorkingCalendar(non_working=frozenset({date(2025, 10, 13)}))
    expiry = invite_expiry(msk(6, 10, 11, 0), calendar, POLICY)
    assert expiry == msk(21, 10, 23, 59, 59).replace(microsecond=999999)


def test_compromise_report_received_the_next_working_evening_is_not_late() -> None:
    """R103, C104: learned Mon 06.10 10:00, received Tue 07.10 18:00: not late."""
    assert not compromise_report_is_late(msk(6, 10, 10, 0), msk(7, 10, 18, 0), NO_HOLIDAYS, MSK)


def test_compromise_report_received_two_working_days_later_is_late() -> None:
    """R103, C104: learned Mon 06.10 10:00, received Wed 08.10 09:00: late."""
    assert compromise_report_is_late(msk(6, 10, 10, 0), msk(8, 10, 9, 0), NO_HOLIDAYS, MSK)


def test_compromise_learned_on_saturday_is_due_by_the_end_of_monday() -> None:
    """R103, R3: a breach learned on Sat 11.10 may be reported until Mon 13.10 23:59:59."""
    deadline = compromise_report_deadline(msk(11, 10, 15, 0), NO_HOLIDAYS, MSK)
    assert deadline == msk(13, 10, 23, 59, 59).replace(microsecond=999999)


def test_wrong_mark_report_is_due_three_days_after_the_first_view() -> None:
    """R60, C63: first viewed 10.10; a report on 13.10 is on time, on 14.10 it is flagged late."""
    deadline = wrong_mark_report_deadline(msk(10, 10, 19, 30), MSK)
    assert not is_late(msk(13, 10, 23, 0), deadline)
    assert is_late(msk(14, 10, 0, 5), deadline)


def test_data_report_still_open_two_days_after_filing_is_overdue() -> None:
    """R61, C64: filed 10.10 09:00, still open at 12.10 00:00: overdue; at 11.10 23:00 it is not."""
    due = data_report_due(msk(10, 10, 9, 0), POLICY)
    assert not is_late(msk(11, 10, 23, 0), due)
    assert is_late(msk(12, 10, 0, 0), due)


def test_staff_member_without_invite_a_week_after_entry_is_flagged() -> None:
    """R96, C101: a staff member entered on 01.09 still without an invite on 09.09 is flagged."""
    due = staff_invite_due(date(2025, 9, 1), MSK)
    assert not is_late(msk(8, 9, 23, 0), due)
    assert is_late(msk(9, 9, 0, 0), due)


def test_guardian_invite_is_due_ten_working_days_after_the_student_arrived() -> None:
    """R97, C101: a student arrived Wed 01.10; the guardian invite is due by Wed 15.10."""
    due = contingent_invite_due(date(2025, 10, 1), NO_HOLIDAYS, MSK)
    assert not is_late(msk(15, 10, 23, 0), due)
    assert is_late(msk(16, 10, 0, 0), due)


def test_unanswered_access_request_is_flagged_after_five_days() -> None:
    """R99, C101: a request filed on 01.09 and unanswered on 07.09 is flagged; on 06.09 it is not."""
    due = access_request_due(msk(1, 9, 14, 0), MSK)
    assert not is_late(msk(6, 9, 23, 59), due)
    assert is_late(msk(7, 9, 0, 0), due)


def test_lateness_is_none_on_time_and_the_delay_when_late() -> None:
    """R4: a late entry records by how much it is late."""
    deadline = mark_deadline(LESSON_L, "days:7", POLICY)
    assert lateness(deadline, deadline) is None
    assert lateness(deadline + timedelta(hours=5), deadline) == timedelta(hours=5)


def test_lateness_refuses_a_naive_datetime() -> None:
    """§0.2: timestamps are instants; a naive one has no meaning in the school's zone."""
    with pytest.raises(ValueError, match="naive"):
        lateness(datetime(2025, 10, 8, 21, 30), mark_deadline(LESSON_L, "same_day", POLICY))


OUTAGE = (msk(8, 10, 8, 0), msk(9, 10, 12, 0))


def _attendance_deadline(d: date) -> datetime:
    return attendance_deadline(d, POLICY)


def test_attendance_for_a_lesson_inside_an_outage_is_on_time_by_the_day_the_outage_ended() -> None:
    """R9, C43: outage 08.10 08:00 - 09.10 12:00; attendance for L entered 09.10 20:00 is not late."""
    deadline = outage_adjusted_deadline(msk(8, 10, 9, 0), _attendance_deadline, [OUTAGE])
    assert not is_late(msk(9, 10, 20, 0), deadline)


def test_attendance_for_a_lesson_inside_an_outage_entered_a_day_later_is_late() -> None:
    """R9, C43: attendance for L entered on 10.10 is flagged late."""
    deadline = outage_adjusted_deadline(msk(8, 10, 9, 0), _attendance_deadline, [OUTAGE])
    assert is_late(msk(10, 10, 8, 0), deadline)


def test_lesson_outside_every_outage_keeps_its_normal_deadline() -> None:
    """R9: a lesson on 07.10 (before the outage) or after its end keeps the normal deadline."""
    for start in (msk(7, 10, 9, 0), msk(9, 10, 12, 0)):
        deadline = outage_adjusted_deadline(start, _attendance_deadline, [OUTAGE])
        assert deadline == _attendance_deadline(start.date())


def test_outage_deadline_takes_the_latest_window_covering_the_lesson() -> None:
    """R9: with overlapping windows the lesson gets the deadline of the window ending last."""
    later = (msk(8, 10, 7, 0), msk(10, 10, 6, 0))
    deadline = outage_adjusted_deadline(msk(8, 10, 9, 0), _attendance_deadline, [OUTAGE, later])
    assert deadline == _attendance_deadline(date(2025, 10, 10))


ZONES = ["Europe/Kaliningrad", "Europe/Moscow", "Asia/Yekaterinburg", "Asia/Vladivostok", "Asia/Kamchatka"]


@settings(max_examples=150)
@given(
    zone=st.sampled_from(ZONES),
    lesson=st.dates(date(2020, 1, 1), date(2035, 12, 31)),
    days=st.integers(1, 14),
)
def test_days_rule_boundary_is_local_midnight_in_the_school_zone(zone: str, lesson: date, days: int) -> None:
    """§0.2, R34: in any school zone, a mark at local 23:59:59.999999 of D+N is on time, 00:00 of D+N+1 late."""
    policy = POLICY.changed(timezone=zone)
    deadline = mark_deadline(lesson, DeadlineRule(days), policy)
    next_midnight = local_at(lesson + timedelta(days=days + 1), time(0, 0), policy.tz)
    assert not is_late((next_midnight - timedelta(microseconds=1)).astimezone(UTC), deadline)
    assert is_late(next_midnight.astimezone(UTC), deadline)


@settings(max_examples=150)
@given(zone=st.sampled_from(ZONES), viewed=st.dates(date(2020, 1, 1), date(2035, 12, 31)))
def test_first_view_just_before_local_midnight_counts_on_the_local_date(zone: str, viewed: date) -> None:
    """§0.2, R60: a view at local 23:59:59 is on the local date even when UTC already shows the next day."""
    tz = ZoneInfo(zone)
    before_midnight = local_at(viewed + timedelta(days=1), time(0, 0), tz) - timedelta(seconds=1)
    after_midnight = before_midnight + timedelta(seconds=1)
    expected = local_at(viewed + timedelta(days=4), time(0, 0), tz) - timedelta(microseconds=1)
    assert wrong_mark_report_deadline(before_midnight, tz) == expected
    assert wrong_mark_report_deadline(after_midnight, tz) == expected + timedelta(days=1)
