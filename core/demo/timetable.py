"""A weekly timetable with no teacher, room or learner double-booked, and the check that proves it."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

DAYS = 5
SLOTS = 8
_HARD = frozenset({"russian", "math", "algebra", "calculus", "geometry", "physics", "chemistry", "english"})


@dataclass(frozen=True)
class Part:
    """One group taught by one teacher in one room; a split lesson has two parts at the same time."""

    group: str
    teacher: str
    room: str


@dataclass(frozen=True)
class Unit:
    """One weekly lesson of a subject for a class."""

    class_name: str
    subject: str
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class Placement:
    unit: Unit
    weekday: int
    slot: int


@dataclass(frozen=True)
class Booking:
    weekday: int
    slot: int
    group: Hashable
    teacher: Hashable
    room: Hashable | None


def find_clashes(bookings: Iterable[Booking], members: Mapping[Hashable, Iterable[Hashable]]) -> list[str]:
    """Every double booking: a teacher, room or group twice in one slot, or a learner in two groups at once.

    `members` maps a group to who sits in it (students, or tokens for the halves of a class). A class
    and its own subgroup clash; the two halves of a split class meeting at the same time do not.
    """
    clashes = []
    teachers: dict[tuple[int, int, Hashable], Hashable] = {}
    rooms: dict[tuple[int, int, Hashable], Hashable] = {}
    learners: dict[tuple[int, int, Hashable], Hashable] = {}
    groups: set[tuple[int, int, Hashable]] = set()
    for b in bookings:
        where = f"day {b.weekday} slot {b.slot}"
        if (b.weekday, b.slot, b.group) in groups:
            clashes.append(f"group {b.group} twice at {where}")
        groups.add((b.weekday, b.slot, b.group))
        if (b.weekday, b.slot, b.teacher) in teachers:
            clashes.append(f"teacher {b.teacher} twice at {where}")
        teachers[(b.weekday, b.slot, b.teacher)] = b.group
        if b.room is not None:
            if (b.weekday, b.slot, b.room) in rooms:
                clashes.append(f"room {b.room} twice at {where}")
            rooms[(b.weekday, b.slot, b.room)] = b.group
        for member in members.get(b.group, ()):
            other = learners.setdefault((b.weekday, b.slot, member), b.group)
            if other != b.group:
                clashes.append(f"{member} in groups {other} and {b.group} at {where}")
    return clashes


class _Grid:
    def __init__(
        self, day_lengths: Mapping[str, list[int]], limits: Mapping[str, int], rng: random.Random
    ) -> None:
        self.rng = rng
        self.limits = limits
        self.lengths = {c: list(lengths) for c, lengths in day_lengths.items()}
        self.cells: dict[tuple[str, int, int], Unit | None] = {
            (c, d, s): None
            for c, lengths in self.lengths.items()
            for d in range(DAYS)
            for s in range(1, lengths[d] + 1)
        }
        self.busy: dict[tuple[str, int, int], Unit] = {}  # ("t:<teacher>" or "r:<room>", day, slot)
        self.per_day: Counter[tuple[str, str, int]] = Counter()

    def _keys(self, unit: Unit, d: int, s: int) -> list[tuple[str, int, int]]:
        return [k for p in unit.parts for k in ((f"t:{p.teacher}", d, s), (f"r:{p.room}", d, s))]

    def fits(self, unit: Unit, d: int, s: int, ignoring: Unit | None = None) -> bool:
        cell = (unit.class_name, d, s)
        if cell not in self.cells or self.cells[cell] not in (None, ignoring):
            return False
        return all(self.busy.get(k) in (None, ignoring) for k in self._keys(unit, d, s))

    def place(self, unit: Unit, d: int, s: int) -> None:
        self.cells[(unit.class_name, d, s)] = unit
        for k in self._keys(unit, d, s):
            self.busy[k] = unit
        self.per_day[(unit.class_name, unit.subject, d)] += 1

    def remove(self, unit: Unit, d: int, s: int) -> None:
        self.cells[(unit.class_name, d, s)] = None
        for k in self._keys(unit, d, s):
            del self.busy[k]
        self.per_day[(unit.class_name, unit.subject, d)] -= 1

    def score(self, unit: Unit, d: int, s: int) -> float:
        repeat = 10 * self.per_day[(unit.class_name, unit.subject, d)]
        awkward = 1 if unit.subject in _HARD and (s == 1 or s >= 6) else 0
        return repeat + awkward + self.rng.random() * 0.3

    def class_cells(self, class_name: str) -> list[tuple[int, int]]:
        lengths = self.lengths[class_name]
        return [(d, s) for d in range(DAYS) for s in range(1, lengths[d] + 1)]

    def try_place(self, unit: Unit) -> bool:
        free = [(d, s) for d, s in self.class_cells(unit.class_name) if self.fits(unit, d, s)]
        if free:
            self.place(unit, *min(free, key=lambda c: self.score(unit, *c)))
            return True
        return self._swap_in(unit)

    def _swap_in(self, unit: Unit) -> bool:
        """Move one lesson of the same class elsewhere so that `unit` can take its cell."""
        cells = self.class_cells(unit.class_name)
        self.rng.shuffle(cells)
        for d, s in cells:
            other = self.cells[(unit.class_name, d, s)]
            if other is None or not self.fits(unit, d, s, ignoring=other):
                continue
            self.remove(other, d, s)
            targets = [(d2, s2) for d2, s2 in cells if (d2, s2) != (d, s) and self.fits(other, d2, s2)]
            if targets:
                self.place(other, *min(targets, key=lambda c: self.score(other, *c)))
                self.place(unit, d, s)
                return True
            self.place(other, d, s)
        return False

    def lengthen(self, class_name: str) -> bool:
        """Give the class one more lesson on its shortest day, if the day-length limit allows."""
        lengths = self.lengths[class_name]
        days = [d for d in range(DAYS) if lengths[d] < min(self.limits[class_name], SLOTS)]
        if not days:
            return False
        day = min(days, key=lambda d: lengths[d])
        lengths[day] += 1
        self.cells[(class_name, day, lengths[day])] = None
        return True

    def spread(self) -> None:
        """Swap a subject's second lesson of a day with a lesson on a day that has none of it."""
        for (class_name, d, s), unit in list(self.cells.items()):
            if unit is None or self.cells[(class_name, d, s)] is not unit:
                continue
            if self.per_day[(class_name, unit.subject, d)] < 2:
                continue
            for d2, s2 in self.class_cells(class_name):
                other = self.cells[(class_name, d2, s2)]
                if self.per_day[(class_name, unit.subject, d2)] or (
                    other is not None and self.per_day[(class_name, other.subject, d)]
                ):
                    continue
                if self._swap(unit, (d, s), other, (d2, s2)):
                    break

    def _swap(self, unit: Unit, here: tuple[int, int], other: Unit | None, there: tuple[int, int]) -> bool:
        self.remove(unit, *here)
        if other is not None:
            self.remove(other, *there)
        if self.fits(unit, *there) and (other is None or self.fits(other, *here)):
            self.place(unit, *there)
            if other is not None:
                self.place(other, *here)
            return True
        self.place(unit, *here)
        if other is not None:
            self.place(other, *there)
        return False

    def close_gaps(self) -> None:
        """Move a day's last lesson into an empty slot before it, where the teachers are free."""
        for class_name, lengths in self.lengths.items():
            for d in range(DAYS):
                for s in range(1, lengths[d] + 1):
                    if self.cells[(class_name, d, s)] is not None:
                        continue
                    last = max(
                        (t for t in range(s + 1, lengths[d] + 1) if self.cells[(class_name, d, t)]), default=0
                    )
                    unit = self.cells[(class_name, d, last)] if last else None
                    if unit is not None and self.fits(unit, d, s):
                        self.remove(unit, d, last)
                        self.place(unit, d, s)


def _day_lengths(total: int, limit: int) -> list[int]:
    base, extra = divmod(total, DAYS)
    return [min(limit, base + (d < extra)) for d in range(DAYS)]


def _attempt(
    units: list[Unit], limits: Mapping[str, int], rng: random.Random
) -> tuple[list[Placement], list[Unit]]:
    per_class = Counter(u.class_name for u in units)
    grid = _Grid({c: _day_lengths(n, limits[c]) for c, n in per_class.items()}, limits, rng)
    load: Counter[str] = Counter(p.teacher for u in units for p in u.parts)
    order = sorted(units, key=lambda u: (-len(u.parts), -max(load[p.teacher] for p in u.parts), rng.random()))
    unplaced = []
    for unit in order:
        while not grid.try_place(unit):
            if not grid.lengthen(unit.class_name):
                unplaced.append(unit)
                break
    grid.spread()
    grid.close_gaps()
    placements = [Placement(u, d, s) for (_, d, s), u in grid.cells.items() if u is not None]
    return placements, unplaced


def build_timetable(
    units: list[Unit], limits: Mapping[str, int], rng: random.Random, attempts: int = 6
) -> tuple[list[Placement], list[Unit]]:
    """Place every unit Monday to Friday without clashes; `limits` caps lessons per day per class.

    Returns the placements and the units that found no slot (empty unless the load is impossible).
    """
    best: tuple[list[Placement], list[Unit]] | None = None
    for _ in range(attempts):
        result = _attempt(units, limits, random.Random(rng.getrandbits(64)))
        if best is None or len(result[1]) < len(best[1]):
            best = result
        if not best[1]:
            break
    assert best is not None
    return best


def bookings(placements: Iterable[Placement]) -> list[Booking]:
    """The teacher/room/group bookings of placed units, for find_clashes."""
    return [
        Booking(p.weekday, p.slot, part.group, part.teacher, part.room)
        for p in placements
        for part in p.unit.parts
    ]


def half_members(groups: Mapping[str, tuple[str, int | None]]) -> dict[str, list[tuple[str, int]]]:
    """Tokens for find_clashes: a whole class holds both halves of itself, a subgroup one half."""
    members: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for group, (class_name, half) in groups.items():
        members[group] = [(class_name, h) for h in ((1, 2) if half is None else (half,))]
    return members
