"""The neai.c shape of the v4 types whose model gives one float `nf_out[0]` from
knowledge (1-class, extrapolation): `neai_<name>_init(knowledge)`, then
`neai_<name>(data_input, <out_decl>)` ending with `result`."""

from __future__ import annotations

from ...cgen import LibraryGen, indent, init_function, local_ints


def single_output_source(g: LibraryGen, what: str, name: str, out_decl: str, result: list[str], statics: str = "",
                         on_init: str = "", after: str = "") -> str:
    """`statics` come before the entry points, `after` after them."""
    s = g.sfx
    out_ptr = out_decl.split("*")[-1].strip()
    return g.prelude(what) + statics + "\n" + init_function(name, s, on_init) + f"""
enum neai_state neai_{name}{s}(const float data_input[], {out_decl})
{{
    {local_ints("a, t", g.body)}
    if (!nf_k) return NEAI_INIT_FCT_NOT_CALLED;
    if (!data_input || !{out_ptr}) return NEAI_UNKNOWN_ERROR;
    if (!nf_base_finite(data_input, DATA_INPUT_USER{s} * AXIS_NUMBER{s})) return NEAI_UNKNOWN_ERROR;
{indent(g.body + result)}
    return NEAI_OK;
}}
""" + after
