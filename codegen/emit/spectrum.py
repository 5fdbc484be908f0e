"""C of engine/blocks/spectrum.py: both blocks run the same radix-2 FFT on a scratch
buffer, with twiddles (and the Hann window) as flash tables shared by every block of
the same length."""

from __future__ import annotations

from nanoforge.engine.blocks import Block, hann, next_pow2

from ..ctext import c_array
from .base import BlockEmitter, Sink


def fft_scratch(g: Sink, ln: int) -> tuple[int, str]:
    """The transform size of a signal of `ln` samples and its twiddle table; sizes the
    scratch buffer (complex spectrum and magnitudes)."""
    nfft = next_pow2(ln)
    g.use("nf_spectrum")
    tw = g.twiddles(nfft)
    g.buf("nf_scr", 2 * nfft + nfft // 2)
    return nfft, tw


class FFTBands(BlockEmitter):
    kind = "fft"

    def emit(self, g: Sink, i: int, b: Block, shape: tuple[int, ...], vec: str) -> None:
        ax, ln = shape
        nfft, tw = fft_scratch(g, ln)
        win = "0"
        if b.params.get("window"):
            win = f"nf_win{ln}"
            if not any(win + "[" in t for t in g.tables):
                g.tables.append(f"static const float {win}[{ln}] = {{\n{c_array(hann(ln))}\n}};\n")
        g.body.append(f"nf_spectrum_bands(nf_sig, {ax}, {ln}, {nfft}, {tw}, {win}, "
                      f"{b.out_shape((1, ln))[0]}, {1 if b.params.get('log') else 0}, nf_scr, {vec});")


class SpectralShape(BlockEmitter):
    kind = "spectral"

    def emit(self, g: Sink, i: int, b: Block, shape: tuple[int, ...], vec: str) -> None:
        ax, ln = shape
        nfft, tw = fft_scratch(g, ln)
        g.body.append(f"nf_spectrum_shape(nf_sig, {ax}, {ln}, {nfft}, {tw}, nf_scr, {vec});")
