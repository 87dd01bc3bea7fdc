"""Seeded synthetic member-level data for `hiecheck measure bhh|ohh` (benchmarks, demos).

Run: ``.venv/bin/python bench/gen_member_data.py OUT_DIR [--members N] [--fills N] [--labs N]
[--otp N] [--providers N] [--year YYYY] [--seed S]``. Writes ``members.csv``, ``fills.csv``,
``labs.csv`` and ``otp.csv`` in the columns the README documents. The same seed gives the same
files.

What it looks like: members spread unevenly over BHH/OHH organizations (a few large, many small),
some assigned for part of the year, 1 in 12 with a birth date making them a minor; about 45 % of
members take an antipsychotic (refilled roughly monthly with irregular gaps, sometimes switched or
billed twice on one day), about a third are on buprenorphine, naltrexone (oral or the monthly
injection) or methadone at an opioid treatment program, and everyone also fills other common
drugs. Lab rows are mostly unrelated tests (lipids, CBC, TSH ...); HbA1c and glucose tests appear
for a share of members, as LOINC results or as CPT lab claims. IDs are random, never real.
"""

from __future__ import annotations

import argparse
import csv
import random
from datetime import date, timedelta
from pathlib import Path

ANTIPSYCHOTICS = [
    "risperidone 1 mg oral tablet", "RISPERIDONE 2 MG TAB", "quetiapine fumarate 100 mg tablet",
    "QUETIAPINE ER 300 MG", "olanzapine 10 mg tablet", "aripiprazole 5 mg tablet",
    "Aripiprazole ER injectable suspension 400 mg", "ziprasidone 40 mg capsule",
    "lurasidone 40 mg tablet", "paliperidone palmitate 156 mg/ml inj", "haloperidol 5 mg tab",
    "HALOPERIDOL DECANOATE 100 MG/ML", "clozapine 100 mg tablet", "olanzapine/fluoxetine 6/25",
    "perphenazine 4 mg tablet", "cariprazine 1.5 mg capsule",
]
OTHER_DRUGS = [
    "sertraline 50 mg tablet", "lisinopril 10 mg tablet", "metformin 500 mg tablet",
    "atorvastatin 20 mg tablet", "levothyroxine 50 mcg", "omeprazole 20 mg capsule",
    "amlodipine 5 mg tablet", "gabapentin 300 mg capsule", "trazodone 50 mg tablet",
    "albuterol 90 mcg inhaler", "fluoxetine 20 mg capsule", "bupropion xl 150 mg",
    "lamotrigine 100 mg", "lithium carbonate 300 mg", "divalproex 500 mg",
]
OUD_DRUGS = [
    ("buprenorphine-naloxone 8-2 mg sublingual film", 7, 14, 28, 30),
    ("BUPRENORPHINE HCL 8 MG SL TAB", 7, 14, 30),
    ("naltrexone 50 mg tablet", 30),
    ("Vivitrol (naltrexone extended-release injectable suspension) 380 mg", 28),
]
SCREENING_LOINC = ["4548-4", "17856-6", "4549-2", "1558-6", "2345-7"]
SCREENING_CPT = ["83036", "82947", "80053", "80048"]
OTHER_LOINC = ["2093-3", "2571-8", "13457-7", "718-7", "6690-2", "3016-3", "2160-0", "1742-6",
               "14682-9", "33914-3", "5902-2", "2951-2"]
OTHER_CPT = ["85025", "80061", "84443", "81001", "87086"]


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _day(rng: random.Random, start: date, span: int) -> date:
    return start + timedelta(days=rng.randrange(span))


def generate(out: Path, *, members: int = 100_000, fills: int = 1_000_000,
             labs: int = 1_000_000, otp: int = 200_000, providers: int = 40, year: int = 2025,
             seed: int = 14) -> dict[str, int]:
    """Write the four files into ``out``; returns the rows written per file."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    start = date(year - 1, 6, 1)  # OHH needs the 7 months before the year (intake + history)
    span = (date(year, 12, 31) - start).days + 1
    weights = [1 / (i + 1) for i in range(providers)]  # a few large organizations, many small
    provider_ids = [f"ORG-{i:03d}" for i in range(providers)]
    ids = [f"ME{rng.randrange(10**9):09d}{i:06d}" for i in range(members)]
    member_rows: list[list[object]] = []
    on_ap, on_oud = [], []
    for member in ids:
        provider = rng.choices(provider_ids, weights)[0]
        born = date(rng.randint(1940, 2004), rng.randint(1, 12), rng.randint(1, 28))
        if rng.random() < 1 / 12:
            born = date(year - rng.randint(12, 17), rng.randint(1, 12), rng.randint(1, 28))
        frm = to = ""
        if rng.random() < 0.2:
            frm = str(date(year, rng.randint(1, 12), 1))
        if rng.random() < 0.1:
            to = str(date(year, rng.randint(1, 12), 28))
            frm = "" if frm and frm > to else frm
        member_rows.append([member, provider, frm, to, str(born)])
        if rng.random() < 0.45:
            on_ap.append(member)
        if rng.random() < 0.33:
            on_oud.append(member)
    _write(out / "members.csv", ["member_id", "provider_id", "assigned_from", "assigned_to",
                                 "birth_date"], member_rows)

    fill_rows: list[list[object]] = []
    ap_share, oud_share = 0.35, 0.35
    for member in on_ap:  # roughly monthly refills with irregular gaps, sometimes a switch
        drug = rng.choice(ANTIPSYCHOTICS)
        day = _day(rng, date(year, 1, 1), 300)
        for _ in range(rng.choice([1, 1, 2, 3, 6, 9, 12])):
            if len(fill_rows) >= fills * ap_share:
                break
            if rng.random() < 0.08:
                drug = rng.choice(ANTIPSYCHOTICS)
            fill_rows.append([member, str(day), 30, "", "", drug, f"C{len(fill_rows):09d}"])
            if rng.random() < 0.03:  # the same claim billed twice on one day
                fill_rows.append([member, str(day), 30, "", "", drug, f"C{len(fill_rows):09d}"])
            day += timedelta(days=rng.choice([25, 28, 30, 30, 33, 40, 60]))
    for member in on_oud:
        name, *supplies = rng.choice(OUD_DRUGS)
        day = _day(rng, start, 420)
        while day.year <= year and len(fill_rows) < fills * (ap_share + oud_share):
            supply = rng.choice(supplies)
            fill_rows.append([member, str(day), supply, "", "", name, f"C{len(fill_rows):09d}"])
            gap = rng.choice([0] * 12 + [1, 2, 3, 5, 9, 20, 45])
            day += timedelta(days=supply + gap)
            if rng.random() < 0.04:
                break  # stops treatment
    while len(fill_rows) < fills:
        member = ids[rng.randrange(members)]
        fill_rows.append([member, str(_day(rng, start, span)), rng.choice([30, 90]),
                          f"{rng.randrange(10**11):011d}", "", rng.choice(OTHER_DRUGS),
                          f"C{len(fill_rows):09d}"])
    _write(out / "fills.csv", ["member_id", "fill_date", "days_supply", "ndc", "rxnorm",
                               "drug_name", "claim_id"], fill_rows[:fills])

    lab_rows: list[list[object]] = []
    for i in range(labs):
        member = on_ap[rng.randrange(len(on_ap))] if on_ap and i % 3 == 0 else ids[
            rng.randrange(members)]
        day = str(_day(rng, start, span))
        screening = rng.random() < 0.12
        if rng.random() < 0.7:
            loinc = rng.choice(SCREENING_LOINC if screening else OTHER_LOINC)
            lab_rows.append([member, day, loinc, "", f"L{i:09d}"])
        else:
            cpt = rng.choice(SCREENING_CPT if screening else OTHER_CPT)
            lab_rows.append([member, day, "", cpt, f"L{i:09d}"])
    _write(out / "labs.csv", ["member_id", "service_date", "loinc", "cpt", "claim_id"], lab_rows)

    otp_rows: list[list[object]] = []
    methadone = [m for m in on_oud if rng.random() < 0.3] or ids[:1]
    while len(otp_rows) < otp:
        member = methadone[rng.randrange(len(methadone))]
        day = _day(rng, start, span)
        weekly = rng.random() < 0.6
        otp_rows.append([member, str(day), "G2067" if weekly else "H0020", ""])
    _write(out / "otp.csv", ["member_id", "service_date", "hcpcs", "days_covered"], otp_rows)
    return {"members": len(member_rows), "fills": min(len(fill_rows), fills),
            "labs": len(lab_rows), "otp": len(otp_rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--fills", type=int, default=1_000_000)
    parser.add_argument("--labs", type=int, default=1_000_000)
    parser.add_argument("--otp", type=int, default=200_000)
    parser.add_argument("--providers", type=int, default=40)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    written = generate(args.out, members=args.members, fills=args.fills, labs=args.labs,
                       otp=args.otp, providers=args.providers, year=args.year, seed=args.seed)
    print(", ".join(f"{k}: {v:,} rows" for k, v in written.items()))


if __name__ == "__main__":
    main()
