"""Generated code as plain data: a program is its compiled code and the constants it names.

``Source.run`` makes one for every piece of generated code and executes it.  A program pickles
(its code marshalled), so the warm road (``perfdsl.warm``) keeps a rule set's programs on disk
and runs them again in a process that imports no code generator, syntax tree or attrs.  A
generated function held as a constant of another program (the document writer calls the
rules' ``leaf<n>``) pickles as its program and its name (``dumps``).
"""

from __future__ import annotations

import io
import marshal
import pickle
from types import CodeType, FunctionType

from perfdsl.codegen.runtime import EXPORTED


class Program:
    """A generated module: ``namespace()`` executes it once, with the runtime's helpers and its constants."""

    __slots__ = ("filename", "code", "consts", "_namespace")

    def __init__(self, filename: str, code: CodeType, consts: dict):
        self.filename, self.code, self.consts = filename, code, consts
        self._namespace: dict | None = None

    def namespace(self) -> dict:
        """Every caller builds its source from the checked rules or the declared types only: no rule text
        becomes a Python name, strings enter through ``repr()`` and values as constants."""
        if self._namespace is None:
            namespace = dict(EXPORTED)
            namespace.update(self.consts)
            namespace["__program__"] = self  # how its functions pickle (``_Pickler``)
            exec(self.code, namespace)  # noqa: S102 — see the docstring
            self._namespace = namespace
        return self._namespace

    def __reduce__(self):
        return _program, (self.filename, marshal.dumps(self.code), self.consts)


def _program(filename: str, code: bytes, consts: dict) -> Program:
    return Program(filename, marshal.loads(code), consts)


def _function(program: Program, name: str):
    return program.namespace()[name]


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj):
        if type(obj) is FunctionType:
            program = obj.__globals__.get("__program__")
            if type(program) is Program and program.namespace().get(obj.__name__) is obj:
                return _function, (program, obj.__name__)
        return NotImplemented


def dumps(value) -> bytes:
    """``pickle.dumps`` that writes generated functions as (program, name); raises what pickle raises for the rest.

    Marshalled code is read back only by the Python that wrote it: the warm bundle's key names that Python.
    """
    out = io.BytesIO()
    _Pickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return out.getvalue()
