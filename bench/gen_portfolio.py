"""Generate a synthetic portfolio: organization files (every program and role), some with messages.

    .venv/bin/python bench/gen_portfolio.py OUT_DIR [--organizations 1000] [--with-messages 100]
                                            [--messages-per-org 500] [--seed 1]

Seeded and synthetic (no real organization, patient or identifier). Organizations are spread
over folders of 100 (``region-01/`` …) so keys have sub-folders; each enrolls in one to three
programs with random roles and HIE declarations. An organization with messages gets a folder
holding one of ``sample_messages/sets/`` (so requirements are proven or disproven) and a
generated feed of ``--messages-per-org`` messages (``hiecheck.hl7.synth.feed_batch``: 70 % ADT,
30 % ORU, about 1.2 KB each). One organization file in 100 (one without messages) is broken, so
the run also makes bad-input rows, unless ``--no-broken``.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

from hiecheck.hl7 import synth

ROOT = Path(__file__).resolve().parents[1]
SETS = ROOT / "sample_messages" / "sets"
CONTENT = ["demographics", "encounter", "diagnosis_coding", "procedure_coding", "vital_signs",
           "lab_results"]
PER_FOLDER = 100
BROKEN_EVERY = 100  # one organization file in 100 (none with messages) is broken


def _enrollment(program: str, rng: random.Random) -> list[str]:
    lines = ["[[enrollment]]", f'program = "{program}"']
    if program == "pcplus":
        lines.append(f"tier_sought = {rng.choice([1, 2, 2, 3, 3])}")
    elif program == "ohh":
        lines.append(f'contract = "{rng.choice(["insured", "uninsured"])}"')
    elif program == "cct":
        lines.append(f"home_provider = {rng.choice(['true', 'false', 'false'])}")
    elif program == "dsnp":
        lines.append(f'role = "{rng.choice(["ma_payer", "ltc_facility", "sca_provider"])}"')
    return [*lines, ""]


def _interfaces(rng: random.Random) -> str:
    found = []
    for kind in ("adt", "oru"):
        if rng.random() < 0.6:
            content = rng.sample(CONTENT, rng.randint(1, len(CONTENT)))
            groups = ", ".join(f'"{c}"' for c in content)
            realtime = "true" if rng.random() < 0.7 else "false"
            found.append(f'  {{ kind = "{kind}", realtime = {realtime}, content = [{groups}] }},')
    return "interfaces = [\n" + "\n".join(found) + "\n]" if found else ""


def organization_text(n: int, rng: random.Random, messages: str | None) -> str:
    """One organization file."""
    programs = rng.sample(["ac", "bhh", "cct", "dsnp", "ohh", "pcplus"], rng.randint(1, 3))
    lines = [f'name = "Synthetic Organization {n:05d}"']
    if messages is not None:
        lines.append(f'messages = "{messages}"')
    lines.append("")
    for program in sorted(programs):
        lines += _enrollment(program, rng)
    lines += [
        "[facility]",
        f"tribal_health_facility = {'true' if rng.random() < 0.05 else 'false'}",
        "",
        "[hie]",
        f"participant = {'true' if rng.random() < 0.8 else 'false'}",
        f"letter_of_direction = {'true' if rng.random() < 0.5 else 'false'}",
        f"clinical_portal_access = {'true' if rng.random() < 0.5 else 'false'}",
        _interfaces(rng),
    ]
    return "\n".join(lines) + "\n"


def _messages(folder: Path, n: int, count: int, seed: int, sets: list[Path]) -> None:
    folder.mkdir(parents=True)
    for f in sets[n % len(sets)].iterdir():
        shutil.copyfile(f, folder / f"sample-{f.name}")
    if count:
        with (folder / "feed.hl7").open("w", encoding="utf-8", newline="") as fh:
            for lines in synth.feed_batch(count, seed=seed + n):
                fh.write("\r".join(lines) + "\r")


def generate(
    out: Path, organizations: int = 1000, with_messages: int = 100,
    messages_per_org: int = 500, seed: int = 1, broken: bool = True,
) -> Path:
    """Write the portfolio under ``out`` (must not exist); returns ``out``."""
    out.mkdir(parents=True)
    rng = random.Random(seed)
    sets = sorted(p for p in SETS.iterdir() if p.is_dir())
    step = organizations / with_messages if with_messages else 0
    chosen = {int(i * step) for i in range(with_messages)} if with_messages else set()
    for n in range(organizations):
        folder = out / f"region-{n // PER_FOLDER + 1:02d}"
        folder.mkdir(exist_ok=True)
        name = f"org-{n:05d}"
        has_messages = n in chosen
        if broken and not has_messages and n % BROKEN_EVERY == BROKEN_EVERY // 2 + 5:
            (folder / f"{name}.toml").write_text(f'name = "Broken {n}"\n[[enrollment]]\n'
                                                 'program = "gold"\n', encoding="utf-8")
            continue
        if has_messages:
            _messages(folder / name, n, messages_per_org, seed, sets)
        text = organization_text(n, rng, name if has_messages else None)
        (folder / f"{name}.toml").write_text(text, encoding="utf-8")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--organizations", type=int, default=1000)
    parser.add_argument("--with-messages", type=int, default=100)
    parser.add_argument("--messages-per-org", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-broken", action="store_true")
    opts = parser.parse_args()
    generate(opts.out, opts.organizations, opts.with_messages, opts.messages_per_org, opts.seed,
             not opts.no_broken)
    print(f"wrote {opts.organizations} organizations to {opts.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
