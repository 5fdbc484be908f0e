"""The neai.c shape of the types whose model gives one float `nf_out[0]` from
knowledge (1-class, extrapolation): an init, then `neai_<name>(data_input, <out_decl>)`
ending with `result`. Both API generations use it; they differ in `names` and `init`."""

from __future__ import annotations

from ...cgen import V4, ApiNames, LibraryGen, entry_point, init_function


def single_output_source(g: LibraryGen, what: str, name: str, out_decl: str, result: list[str], statics: str = "",
                         on_init: str = "", after: str = "", names: ApiNames = V4, init: str | None = None) -> str:
    """`statics` come before the entry points, `after` after them; `init` replaces the
    4.x `neai_<name>_init(knowledge)`."""
    s = g.sfx
    out_ptr = out_decl.split("*")[-1].strip()
    init_c = init if init is not None else init_function(name, s, on_init)
    return (g.prelude(what) + statics + "\n" + init_c
            + entry_point(g, names, f"enum neai_state neai_{name}{s}(float data_input[], {out_decl})", [out_ptr],
                          "a, t", result) + after)
