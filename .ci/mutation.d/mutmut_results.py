"""Print mutmut's results in the current directory as JSON: name -> status (and the diff if not killed).

Run by ``.ci/mutation`` inside a module's scratch copy, after ``mutmut run``; it reads the
``mutants/*.meta`` files through mutmut's own API, so statuses are named exactly as mutmut names them.
Given mutant names instead, it prints name -> the whole source file with that mutant applied
(``mutmut apply``, then the file is put back).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import apply_mutant, find_mutant, get_diff_for_mutant
from mutmut.stats import status_by_exit_code
from mutmut.utils.file_utils import walk_mutatable_files


def main() -> int:
    """Dump every mutant's status; diffs only for mutants that were not killed (they are few)."""
    results: dict[str, dict[str, str]] = {}
    for path in walk_mutatable_files():
        data = SourceFileMutationData(path=path)
        data.load()
        for name, code in data.exit_code_by_key.items():
            status = status_by_exit_code[code]
            entry = {"status": status, "path": str(path)}
            if status != "killed":
                entry["diff"] = get_diff_for_mutant(name, path=path)
            results[name] = entry
    json.dump(results, sys.stdout, indent=1, sort_keys=True)
    return 0


def sources(names: list[str]) -> int:
    """Each named mutant's whole mutated file, the original restored after each."""
    texts: dict[str, str] = {}
    for name in names:
        path = Path(find_mutant(name).path)
        original = path.read_text()
        try:
            apply_mutant(name)
            texts[name] = path.read_text()
        finally:
            path.write_text(original)
    json.dump(texts, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(sources(sys.argv[1:]) if sys.argv[1:] else main())
