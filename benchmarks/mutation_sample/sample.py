"""Draw the seeded random sample of cosmic-ray work items, in place, in a session database.

    python benchmarks/mutation_sample/sample.py SESSION.sqlite [--size 150] [--seed 26]

``cosmic-ray init`` enumerates every mutant of the configured modules (the population, tens
of thousands of work items). This keeps ``--size`` of them, drawn with
``random.Random(seed).sample`` from the work items sorted by (module, operator, occurrence),
and deletes the others (their mutation specs too), so the database stays small enough to
commit and ``cosmic-ray exec`` runs exactly the sample. Before deleting, it writes
``SESSION.population.json``: the population's size, by module and by operator, the seed and
the sampled job ids, which is all the report needs about the part not run.

Refuses a database that already holds results (drawing twice would not be the same sample).
``cosmic-ray exec`` takes pending items in random order, so whatever part of the sample has
finished when a run is stopped is itself a uniform random subset of the sample.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
from collections import Counter
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("session", type=Path)
    parser.add_argument("--size", type=int, default=150)
    parser.add_argument("--seed", type=int, default=26)
    args = parser.parse_args(argv)
    db = sqlite3.connect(args.session)
    if db.execute("SELECT count(*) FROM work_results").fetchone()[0]:
        print(f"error: {args.session} already holds results; sample a fresh 'cosmic-ray init' database",
              file=sys.stderr)
        return 2
    items = db.execute(
        "SELECT job_id, module_path, operator_name, occurrence FROM mutation_specs"
        " ORDER BY module_path, operator_name, occurrence, job_id").fetchall()
    if len({row[0] for row in items}) != len(items):
        print("error: a work item with several mutations; this sampler expects one each", file=sys.stderr)
        return 2
    if args.size > len(items):
        print(f"error: --size {args.size} is more than the population of {len(items)}", file=sys.stderr)
        return 2
    chosen = random.Random(args.seed).sample([row[0] for row in items], args.size)
    population = {
        "population": len(items),
        "by_module": dict(sorted(Counter(row[1] for row in items).items())),
        "by_operator": dict(sorted(Counter(row[2] for row in items).items())),
        "seed": args.seed,
        "size": args.size,
        "method": "random.Random(seed).sample(job ids sorted by module, operator, occurrence, job id, size)",
        "sampled_job_ids": chosen,
    }
    args.session.with_suffix(".population.json").write_text(json.dumps(population, indent=1) + "\n")
    db.execute("CREATE TEMP TABLE keep (job_id TEXT PRIMARY KEY)")
    db.executemany("INSERT INTO keep VALUES (?)", [(job,) for job in chosen])
    db.execute("DELETE FROM mutation_specs WHERE job_id NOT IN (SELECT job_id FROM keep)")
    db.execute("DELETE FROM work_items WHERE job_id NOT IN (SELECT job_id FROM keep)")
    db.commit()
    db.execute("VACUUM")
    db.close()
    print(f"kept {args.size} of {len(items)} work items (seed {args.seed}); population in "
          f"{args.session.with_suffix('.population.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
