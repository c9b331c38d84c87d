"""Benefit-rules benchmark: household-months per second through `compute_month`, on one core.

Never part of the test suite. It generates synthetic households in memory (a mix of 低保,
特困 and 低收入; 1–5 members; the add-on groups: elderly, minors, severe disability, the
flags; 单人户 members; some incomes rising above the standard part-way, so 渐退 runs) and
computes M months of them, month by month, carrying each household's 低保 track:

    for month in months:
        snapshot = policy.on(first day)           # policy lookups: once per month, outside the loop
        for household in households:              # the timed per-household loop
            state = HouseholdState(day, …)        # the registry as of d (records built in advance)
            benefit, track = compute_month(snapshot, state, track)

It prints household-months per second (target: at least 50,000) by wall time and by the
process's CPU time (on a machine shared with other work the wall time also counts the time
the process waited for a core; the load average is printed), and the floor-style
reference measured in the same run: the same loop that merely builds the HouseholdState
objects from the same records. Generating the records is not timed.

    .venv/bin/python bench/rules.py                        # 200,000 household-months (20,000 × 10)
    .venv/bin/python bench/rules.py --households 2000      # a quick run
    .venv/bin/python bench/rules.py --profile /tmp/rules   # cProfile the timed loop: /tmp/rules.prof
"""

from __future__ import annotations

import cProfile
import gc
import os
import platform
import pstats
import random
import sys
import time
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import cpu_and_memory, load_line  # noqa: E402  (bench/common.py: the machine)

from aidledger.disbursement.registry.records import Household, Member  # noqa: E402
from aidledger.disbursement.registry.state import HouseholdState  # noqa: E402
from aidledger.disbursement.rules import DibaoTrack, compute_month  # noqa: E402
from aidledger.disbursement.rules.facts import first_day, next_month  # noqa: E402
from aidledger.policy import EffectivePolicy, parse_policy  # noqa: E402

TARGET = 50_000  # household-months per second

# The worked county's parameters (spec/examples/policies) as one province-level file.
POLICY = """
[jurisdiction]
code = "230000"
name = "基准省"
level = "province"

[dibao]
standard_urban = { 2021-01-01 = 640, 2022-01-01 = 680 }
standard_rural = { 2021-01-01 = 430, 2022-01-01 = 460 }
method = "gap"
floor_ratio = 0
addon_stacking = "highest"
rounding = "0.01"
rounding_mode = "half_up"
start = "next_month"
addons = [
  { name = "severe_disability", max_disability_grade = 2, rate = 0.15 },
  {name="severe_disability_mental", max_disability_grade=3, disability_kinds=["intellectual","mental"], rate=0.15},
  { name = "disabled_veteran", flag = "disabled_veteran", rate = 0.15 },
  { name = "serious_illness", flag = "serious_illness", rate = 0.15 },
  { name = "elderly", min_age = 60, rate = { 2021-01-01 = 0.15, 2022-01-01 = 0.20 } },
  { name = "minor", max_age = 17, rate = 0.15 },
  { name = "martyr_family", flag = "martyr_family", rate = 0.15 },
  { name = "veteran", flag = "veteran", rate = 0.15 },
]

[dibao.gradual_exit]
months = 6
months_with_disabled = 9
steps = [ { from_month = 1, ratio = 1.0 }, { from_month = 4, ratio = 0.5 } ]

[tekun]
basic_ratio_dispersed = 1.3
basic_ratio_centralized = 1.3

[tekun.care_dispersed]
base = "minimum_wage"
self = 0.10
semi = 0.15
full = 0.25

[tekun.care_centralized]
base = "minimum_wage"
self = 0.10
semi = 0.15
full = 0.25

[wages]
minimum_wage = { 2021-04-01 = 1690 }
elder_care_subsidy = 100

[low_income]
threshold_ratio = 1.5
single_person_ratio = 1.0
single_person_addons = true

[price_subsidy]
cpi_threshold = 3.5
food_threshold = 6.0
minimum = 10
rounding = "1"
programs = ["dibao", "tekun"]

[heating]
amount_per_household = 300
months = [10]
programs = ["dibao", "tekun"]
"""

FLAGS = ("serious_illness", "disabled_veteran", "martyr_family", "veteran")
KINDS = ("physical", "visual", "hearing", "intellectual", "mental")


@dataclass(frozen=True)
class Synthetic:
    """One household's records: as loaded, and (for some) as they stand from a month on."""

    household: Household
    members: tuple[Member, ...]
    changes_from: str | None = None  # month from which `changed` applies
    changed: Household | None = None


def member(rng: random.Random, hid: str, index: int, program: str) -> Member:
    born = date(rng.choice([rng.randint(1935, 1961), rng.randint(1962, 2003), rng.randint(2004, 2021)]),
                rng.randint(1, 12), rng.randint(1, 28))
    grade = rng.choice([None] * 8 + [1, 2, 3, 4])
    flags = tuple(f for f in FLAGS if rng.random() < 0.05)
    return Member(
        household_id=hid, id_number=f"230523{born:%Y%m%d}{index:03d}X", name=f"成员{index}", relation="other",
        birth_date=born, disability_grade=grade, disability_kind=rng.choice(KINDS) if grade else None,
        flags=flags, care_level=rng.choice(("self", "semi", "full")) if program == "tekun" else None,
        single_person=program == "low_income" and rng.random() < 0.4,
        death_date=date(2022, rng.randint(1, 12), 15) if rng.random() < 0.01 else None,
    )


def generate(count: int, first_month: str, months: int, seed: int) -> list[Synthetic]:
    rng = random.Random(seed)
    found = []
    for i in range(count):
        hid = f"B{i:07d}"
        program = rng.choices(("dibao", "tekun", "low_income"), weights=(70, 15, 15))[0]
        n = rng.randint(1, 5)
        people = tuple(member(rng, hid, k, program) for k in range(n))
        area = rng.choice(("urban", "rural"))
        standard = 680 if area == "urban" else 460
        if program == "dibao":
            income = Decimal(rng.randint(0, standard * n * 100 - 1)) / 100  # below the line
        elif program == "low_income":
            income = Decimal(rng.randint(standard * n * 100, standard * n * 150)) / 100
        else:
            income = None
        home = Household(
            household_id=hid, county="230523", township="230523100", area=area, program=program,
            monthly_income=income, approved_on=date(2021, rng.randint(1, 11), rng.randint(1, 28)), tier=None,
            income_type="stable" if program != "tekun" else None,
            tekun_setting=rng.choice(("dispersed", "centralized")) if program == "tekun" else None,
            payee_name="户主", bank_account="6217000010000000011",
        )
        changes_from = changed = None
        if program == "dibao" and rng.random() < 0.15:  # income rises above the line: 渐退, or the ceiling
            changes_from = nth_month(first_month, rng.randint(1, max(1, months - 1)))
            changed = replace(home, monthly_income=Decimal(standard * n) * Decimal(rng.choice(("1.1", "1.5", "2.5"))))
        found.append(Synthetic(home, people, changes_from, changed))
    return found


def nth_month(month: str, k: int) -> str:
    for _ in range(k):
        month = next_month(month)
    return month


@dataclass(frozen=True)
class Run:
    wall: float  # seconds, perf_counter
    cpu: float  # seconds of this process's CPU time (less disturbed by other work on the machine)
    total: Decimal  # the total paid: a checksum, the same in every run


def compute_all(policy: EffectivePolicy, records: list[Synthetic], month_list: list[str]) -> Run:
    """The timed run: every household for every month."""
    tracks = [DibaoTrack()] * len(records)
    total = Decimal(0)
    wall = cpu = 0.0
    for month in month_list:
        day = first_day(month)
        snapshot = policy.on(day)  # once per month: policy lookups stay out of the loop
        start, start_cpu = time.perf_counter(), time.process_time()
        for i, r in enumerate(records):
            home = r.changed if r.changes_from is not None and month >= r.changes_from else r.household
            benefit, tracks[i] = compute_month(snapshot, HouseholdState(day, home, r.members), tracks[i])
            total += benefit.amount
        wall += time.perf_counter() - start
        cpu += time.process_time() - start_cpu
    return Run(wall, cpu, total)


def build_states(records: list[Synthetic], month_list: list[str]) -> Run:
    """The floor: the same loop merely building the HouseholdState objects from the same records."""
    wall = cpu = 0.0
    built = 0
    for month in month_list:
        day = first_day(month)
        start, start_cpu = time.perf_counter(), time.process_time()
        for r in records:
            home = r.changed if r.changes_from is not None and month >= r.changes_from else r.household
            state = HouseholdState(day, home, r.members)
            built += state is not None
        wall += time.perf_counter() - start
        cpu += time.process_time() - start_cpu
    return Run(wall, cpu, Decimal(built))


def machine() -> str:
    cpu, memory = cpu_and_memory()
    return (f"machine: nproc {len(os.sched_getaffinity(0))} ({os.cpu_count()} CPUs), {cpu}{memory}, "
            f"{platform.system()} {platform.release()}; Python {platform.python_version()}; one core")


@click.command()
@click.option("--households", type=click.IntRange(min=1), default=20_000, show_default=True,
              help="Synthetic households.")
@click.option("--months", type=click.IntRange(min=1), default=10, show_default=True,
              help="Months computed for each, from --first.")
@click.option("--first", default="2022-01", show_default=True, help="First month computed.")
@click.option("--seed", type=int, default=20261123, show_default=True)
@click.option("--repeat", type=click.IntRange(min=1), default=3, show_default=True,
              help="Runs of each loop; the best is reported.")
@click.option("--profile", default=None, metavar="PREFIX", help="cProfile one timed run into PREFIX.prof.")
def main(households: int, months: int, first: str, seed: int, repeat: int, profile: str | None) -> None:
    """Household-months per second through compute_month, against the state-building floor."""
    policy = EffectivePolicy.resolve([parse_policy(POLICY, "bench-province.toml")])
    month_list = [nth_month(first, k) for k in range(months)]
    click.echo(machine())
    t0 = time.perf_counter()
    records = generate(households, first, months, seed)
    click.echo(f"generated {households:,} households ({sum(len(r.members) for r in records):,} members) "
               f"in {time.perf_counter() - t0:.1f} s; months {month_list[0]} … {month_list[-1]}")
    total_months = households * months
    mix = {p: sum(r.household.program == p for r in records) for p in ("dibao", "tekun", "low_income")}
    click.echo("mix: " + ", ".join(f"{p} {c:,}" for p, c in mix.items())
               + f"; income rising part-way: {sum(r.changes_from is not None for r in records):,}")

    for month in month_list:  # warm the snapshot cache and the code paths, untimed
        policy.on(first_day(month))
    compute_all(policy, records[: min(len(records), 2000)], month_list[:2])

    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        compute_all(policy, records, month_list)
        profiler.disable()
        profiler.dump_stats(f"{profile}.prof")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)

    gc.collect()
    load = os.getloadavg()
    runs = [compute_all(policy, records, month_list) for _ in range(repeat)]
    floors = [build_states(records, month_list) for _ in range(repeat)]
    assert len({r.total for r in runs}) == 1, "the runs disagree"
    best = min(runs, key=lambda r: r.wall)
    best_cpu = min(r.cpu for r in runs)
    floor = min(floors, key=lambda r: r.wall)
    floor_cpu = min(r.cpu for r in floors)
    rate, rate_cpu = total_months / best.wall, total_months / best_cpu
    click.echo(load_line(load))
    click.echo(f"compute_month: {total_months:,} household-months in {best.wall:.2f} s = "
               f"{rate:,.0f} household-months/s "
               f"(best of {repeat}; runs {', '.join(f'{r.wall:.2f}' for r in runs)} s); "
               f"CPU time {best_cpu:.2f} s = {rate_cpu:,.0f}/s; total paid {best.total:,.2f} 元")
    click.echo(f"floor (building the HouseholdState objects only): {floor.wall:.3f} s = "
               f"{total_months / floor.wall:,.0f} household-months/s; CPU time {floor_cpu:.3f} s = "
               f"{total_months / floor_cpu:,.0f}/s")
    click.echo(f"ratio compute / floor: {best.wall / floor.wall:.1f}× (CPU time {best_cpu / floor_cpu:.1f}×); "
               f"target ≥ {TARGET:,}/s: {'met' if rate >= TARGET else 'NOT met'} by wall time, "
               f"{'met' if rate_cpu >= TARGET else 'NOT met'} by CPU time")


if __name__ == "__main__":
    main()
