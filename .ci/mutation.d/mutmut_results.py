"""Print mutmut's results in the current directory as JSON: name -> status (and the diff if not killed).

Run by ``.ci/mutation`` inside a module's scratch copy, after ``mutmut run``; it reads the
``mutants/*.meta`` files through mutmut's own API, so statuses are named exactly as mutmut names them.
Given mutant names instead, it prints name -> the whole source file with that mutant applied
(as ``mutmut apply`` would write it, with each method looked up in its own class).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

import libcst as cst
from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import (
    find_mutant,
    get_diff_for_mutant,
    read_functions_from_index,
    read_mutant_function,
    read_mutants_module,
    read_orig_module,
)
from mutmut.stats import status_by_exit_code
from mutmut.utils.file_utils import walk_mutatable_files
from mutmut.utils.format_utils import orig_function_and_class_names_from_key


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


def find_function(module: cst.Module, function: str, cls: str | None) -> cst.FunctionDef:
    """The top-level ``function``, or the method ``function`` of the top-level class ``cls``."""
    body: Sequence[cst.CSTNode] = module.body
    if cls is not None:
        classes = [c for c in module.body if isinstance(c, cst.ClassDef) and c.name.value == cls]
        if not classes or not isinstance(classes[0].body, cst.IndentedBlock):
            raise SystemExit(f"mutmut_results: no class {cls} to apply a mutant of {function} to")
        body = classes[0].body.body
    for node in body:
        if isinstance(node, cst.FunctionDef) and node.name.value == function:
            return node
    raise SystemExit(f"mutmut_results: no function {function} in {cls or 'the module'}")


def mutated_source(name: str) -> str:
    """The whole source file with mutant ``name`` applied.

    As ``mutmut apply`` does, but the function is looked up in its own class: mutmut 3.8.1's
    ``apply_mutant`` takes the first method of that name in any class, so a mutant of
    ``JWKSClient.__init__`` replaced ``_Fetch.__init__`` and the file did not import.
    """
    path = find_mutant(name).path
    function, cls = orig_function_and_class_names_from_key(name)
    function = function.rpartition(".")[-1]
    module = read_orig_module(path)
    original = find_function(module, function, cls)
    from_index = read_functions_from_index(name, path)
    if from_index is not None:
        mutant = from_index[1]
    else:
        mutant = read_mutant_function(read_mutants_module(path), name)
    mutant = mutant.with_changes(name=cst.Name(function))
    mutated = module.deep_replace(original, mutant)
    assert isinstance(mutated, cst.Module)  # replacing a function inside a module gives a module
    return mutated.code


def sources(names: list[str]) -> int:
    """Each named mutant's whole mutated file (nothing on disk is changed)."""
    json.dump({name: mutated_source(name) for name in names}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(sources(sys.argv[1:]) if sys.argv[1:] else main())
