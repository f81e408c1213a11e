"""Field accuracy of the importer on every corpus document (tests/data/ua/).

`python -m bench.importer` builds the corpus's PDFs and Word files, imports every document
and prints, per document, the fields read right out of those its facts file states, the
officials found, missed and invented, and the time taken.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bot.importer.writing import read_case
from tests.corpus import compare, documents, facts_of, invented_officials


def _fields(facts: dict[str, object]) -> int:
    officials = facts["officials"]
    assert isinstance(officials, list)
    plain = [key for key in facts if key not in ("source", "index", "officials")]
    return len(plain) + sum(len(o) for o in officials)


def main() -> None:
    with tempfile.TemporaryDirectory() as build:
        corpus = documents(Path(build))
        columns = ("format", "fields", "officials", "invented", "ms")
        print(f"{'document':44} {columns[0]:6} {columns[1]:>9} " + " ".join(columns[2:]))
        right_total = fields_total = invented_total = 0
        for document in corpus:
            started = time.perf_counter()
            found = facts_of(read_case(document.path))
            elapsed = (time.perf_counter() - started) * 1000
            total = _fields(document.facts)
            wrong = len(compare(document.facts, found))
            invented = invented_officials(document.facts, found)
            right_total += total - wrong
            fields_total += total
            invented_total += invented
            officials = f"{len(found['officials'])}/{len(document.facts['officials'])}"
            print(
                f"{document.name:44} {document.path.suffix[1:]:6} {total - wrong:>4}/{total:<4} "
                f"{officials:>10} {invented:>8} {elapsed:>6.0f}"
            )
        print(
            f"{len(corpus)} documents: {right_total}/{fields_total} fields right "
            f"({right_total / fields_total:.1%}), {invented_total} officials invented"
        )


if __name__ == "__main__":
    main()
