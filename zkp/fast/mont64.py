"""Field arithmetic on 4 x 64-bit words, emitted as LLVM IR (ADR 0044).

numba has no 128-bit integer type, but LLVM has: these intrinsics write the
Montgomery CIOS loop with ``i128`` products and sums, and modular addition and
subtraction with ``i256`` values, which LLVM lowers to the CPU's 64 x 64 -> 128-bit
``mul`` and add-with-carry chains: 4 * 4 + 4 + 4 * 4 wide products per
multiplication instead of the 136 32-bit products of an 8 x 32-bit CIOS.
``zkp.fast.field`` builds Fp on them; ``zkp.fast.scalar_kernels`` uses the same
emitters modulo the group order q for per-proof scalar algebra.

p, q < 2**254 (top word below 2**62), so the "no-carry" CIOS applies: every partial
sum ``t + a*b + carry`` fits 128 bits and the accumulator needs no fifth word.
Inputs must be canonical (below the modulus); outputs are canonical.

On x86-64 CPUs with BMI2 and ADX the rows of the product are inline assembly instead
(ADR 0052): ``mulx`` products summed on two independent carry chains (``adcx`` for the
low words, ``adox`` for the high words), which LLVM does not emit from the i128 form;
~22 -> ~17.5 ns per product on the development machine. Set ``DREX_ZKP_NO_ASM=1`` to
use the portable form (the kernel cache is keyed on it).
"""

from __future__ import annotations

import os
import platform
from typing import Any

import llvmlite.binding as llvm
from llvmlite import ir
from numba import types
from numba.extending import intrinsic
from py_ecc.optimized_bn128.optimized_curve import curve_order, field_modulus

_P = int(field_modulus)
_Q = int(curve_order)


def _words(x: int) -> list[int]:
    return [(x >> (64 * i)) & ((1 << 64) - 1) for i in range(4)]


P64 = _words(_P)
NINV64 = (-pow(_P, -1, 1 << 64)) % (1 << 64)
Q64 = _words(_Q)
QNINV64 = (-pow(_Q, -1, 1 << 64)) % (1 << 64)
_U64 = types.uint64
_UNI_TUPLE: Any = types.UniTuple


def _emit(
    builder: Any, a: list[Any], b: list[Any], mod: list[int] = P64, mod_ninv: int = NINV64
) -> list[Any]:
    """IR for the Montgomery product of the 4-word values ``a`` and ``b`` (i64 values)
    modulo ``mod`` (4 words, below 2**254), ``mod_ninv = -mod**-1 mod 2**64``."""
    i64, i128 = ir.IntType(64), ir.IntType(128)
    sixty_four = ir.Constant(i128, 64)

    def wide(x: Any) -> Any:
        return builder.zext(x, i128)

    def split(x: Any) -> tuple[Any, Any]:
        return builder.trunc(x, i64), builder.trunc(builder.lshr(x, sixty_four), i64)

    p = [ir.Constant(i64, w) for w in mod]
    ninv = ir.Constant(i64, mod_ninv)
    zero = ir.Constant(i64, 0)
    t = [zero, zero, zero, zero]
    for i in range(4):
        bi = wide(b[i])
        carry = zero
        for j in range(4):
            s = builder.add(builder.add(wide(t[j]), builder.mul(wide(a[j]), bi)), wide(carry))
            t[j], carry = split(s)
        top = carry
        m = builder.mul(t[0], ninv)
        mw = wide(m)
        s = builder.add(wide(t[0]), builder.mul(mw, wide(p[0])))
        _, carry = split(s)
        for j in range(1, 4):
            s = builder.add(builder.add(wide(t[j]), builder.mul(mw, wide(p[j]))), wide(carry))
            t[j - 1], carry = split(s)
        t[3] = builder.add(top, carry)
    # one conditional subtraction of the modulus, as a 256-bit compare and select
    full = _join(builder, t)
    modulus = ir.Constant(ir.IntType(256), sum(w << (64 * k) for k, w in enumerate(mod)))
    reduced = builder.sub(full, modulus)
    return _split(
        builder, builder.select(builder.icmp_unsigned(">=", full, modulus), reduced, full)
    )


def _imm(word: int) -> str:
    """A 64-bit word as the signed immediate of ``movabsq`` (``$$`` is a literal ``$``)."""
    return "$$" + str(word - (1 << 64) if word >= 1 << 63 else word)


def _row_asm(mod: list[int], mod_ninv: int, first: bool) -> str:
    """One CIOS row ``t = (t + a·b_i + m·mod) / 2**64`` in AT&T syntax.

    Operands: ``$0..$3`` t (in/out; the result is ``$1..$4``), ``$4`` the fifth word,
    ``$5``/``$6`` product low/high words, ``$7`` a modulus word, ``$12..$15`` a,
    ``$16`` b_i (``$8..$11`` are the tied inputs of t). ``t < 2·mod`` on entry and
    ``mod < 2**254`` bound every sum below 2**320, so five words never carry out,
    and the high words fit their chain (``t4 < 2**63``).
    """
    lines = ["movq $16, %rdx"]
    if first:  # t = 0: the products are the row
        lines += ["mulxq $12, $0, $1", "mulxq $13, $5, $2", "addq $5, $1"]
        lines += ["mulxq $14, $5, $3", "adcq $5, $2", "mulxq $15, $5, $4", "adcq $5, $3"]
    else:
        lines.append("xorq $4, $4")  # also clears CF and OF
        for j in range(4):
            lines += [f"mulxq ${12 + j}, $5, $6", f"adcxq $5, ${j}", f"adoxq $6, ${j + 1}"]
    lines.append("adcq $$0, $4")
    lines += [f"movabsq {_imm(mod_ninv)}, %rdx", "imulq $0, %rdx", "testq %rdx, %rdx"]
    for j in range(4):
        lines += [f"movabsq {_imm(mod[j])}, $7", "mulxq $7, $5, $6"]
        lines += [f"adcxq $5, ${j}", f"adoxq $6, ${j + 1}"]
    lines.append("adcq $$0, $4")
    return "\n\t".join(lines)


_ROW_CONSTRAINTS = ",".join(
    ["=&r"] * 8 + ["0", "1", "2", "3"] + ["r"] * 5 + ["~{rdx}", "~{dirflag}", "~{fpsr}", "~{flags}"]
)


def _emit_asm(
    builder: Any, a: list[Any], b: list[Any], mod: list[int] = P64, mod_ninv: int = NINV64
) -> list[Any]:
    """:func:`_emit`'s product with each row as one inline-assembly block (ADR 0052)."""
    i64 = ir.IntType(64)
    row = ir.FunctionType(ir.LiteralStructType([i64] * 8), [i64] * 9)
    t = [ir.Constant(i64, 0)] * 4
    for i in range(4):
        text = _row_asm(mod, mod_ninv, i == 0)
        res = builder.asm(row, text, _ROW_CONSTRAINTS, [*t, *a, b[i]], False)
        t = [builder.extract_value(res, k) for k in (1, 2, 3, 4)]
    full = _join(builder, t)
    modulus = ir.Constant(ir.IntType(256), sum(w << (64 * k) for k, w in enumerate(mod)))
    reduced = builder.sub(full, modulus)
    return _split(
        builder, builder.select(builder.icmp_unsigned(">=", full, modulus), reduced, full)
    )


def _asm_available() -> bool:
    """x86-64 with BMI2 (``mulx``) and ADX (``adcx``/``adox``), unless turned off."""
    if os.environ.get("DREX_ZKP_NO_ASM", "") not in ("", "0"):
        return False
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    features = llvm.get_host_cpu_features()
    if not (features.get("bmi2") and features.get("adx")):
        return False
    llvm.initialize_native_asmparser()  # numba does not; inline asm needs it
    return True


USE_ASM = _asm_available()
"""Whether :data:`mont_mul4` and :data:`mont_mul4_q` use the inline-assembly rows."""


def _mont(mod: list[int], mod_ninv: int, use_asm: bool = USE_ASM) -> Any:
    """A Montgomery-multiplication intrinsic for one modulus."""
    emit = _emit_asm if use_asm else _emit

    def typer(
        typingctx: Any, a0: Any, a1: Any, a2: Any, a3: Any, b0: Any, b1: Any, b2: Any, b3: Any
    ) -> Any:
        sig = _UNI_TUPLE(_U64, 4)(_U64, _U64, _U64, _U64, _U64, _U64, _U64, _U64)

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            out = emit(builder, list(args[:4]), list(args[4:]), mod, mod_ninv)
            return context.make_tuple(builder, signature.return_type, out)

        return sig, codegen

    return intrinsic(typer)


mont_mul4: Any = _mont(P64, NINV64)
"""``(a * b / 2**256) mod p`` on 4 little-endian uint64 words each; returns 4 words."""
mont_mul4_q: Any = _mont(Q64, QNINV64)
"""``(a * b / 2**256) mod q`` (the group order), same conventions."""
mont_mul4_portable: Any = _mont(P64, NINV64, False)
""":data:`mont_mul4` in the portable i128 form whatever the CPU (tests compare the two)."""


def _join(builder: Any, words: list[Any]) -> Any:
    i256 = ir.IntType(256)
    acc = builder.zext(words[0], i256)
    for j in range(1, 4):
        part = builder.shl(builder.zext(words[j], i256), ir.Constant(i256, 64 * j))
        acc = builder.or_(acc, part)
    return acc


def _split(builder: Any, value: Any) -> list[Any]:
    i64, i256 = ir.IntType(64), ir.IntType(256)
    return [builder.trunc(builder.lshr(value, ir.Constant(i256, 64 * j)), i64) for j in range(4)]


def _binary(emit: Any, modulus_int: int = _P) -> Any:
    """An intrinsic on two 4-word values, ``emit(builder, A, B, M)`` on i256 values."""

    def typer(
        typingctx: Any, a0: Any, a1: Any, a2: Any, a3: Any, b0: Any, b1: Any, b2: Any, b3: Any
    ) -> Any:
        sig = _UNI_TUPLE(_U64, 4)(_U64, _U64, _U64, _U64, _U64, _U64, _U64, _U64)

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            a = _join(builder, list(args[:4]))
            b = _join(builder, list(args[4:]))
            modulus = ir.Constant(ir.IntType(256), modulus_int)
            out = _split(builder, emit(builder, a, b, modulus))
            return context.make_tuple(builder, signature.return_type, out)

        return sig, codegen

    return intrinsic(typer)


def _emit_add(builder: Any, a: Any, b: Any, modulus: Any) -> Any:
    total = builder.add(a, b)  # < 2p < 2**255: no overflow
    reduced = builder.sub(total, modulus)
    return builder.select(builder.icmp_unsigned(">=", total, modulus), reduced, total)


def _emit_sub(builder: Any, a: Any, b: Any, modulus: Any) -> Any:
    diff = builder.sub(a, b)
    return builder.select(builder.icmp_unsigned("<", a, b), builder.add(diff, modulus), diff)


add_mod4: Any = _binary(_emit_add)
"""``(a + b) mod p`` on 4 little-endian uint64 words each (inputs < p)."""
sub_mod4: Any = _binary(_emit_sub)
"""``(a - b) mod p`` on 4 little-endian uint64 words each (inputs < p)."""
add_mod4_q: Any = _binary(_emit_add, _Q)
"""``(a + b) mod q`` on 4 little-endian uint64 words each (inputs < q)."""
sub_mod4_q: Any = _binary(_emit_sub, _Q)
"""``(a - b) mod q`` on 4 little-endian uint64 words each (inputs < q)."""


def _glv_typer(typingctx: Any, k0: Any, k1: Any, k2: Any, k3: Any) -> Any:
    """``glv_split4``: see :mod:`zkp.fast.glv` for the lattice constants."""
    from zkp.fast import glv

    g1 = ((1 << 256) * glv.B2) // _Q
    g2 = ((1 << 256) * -glv.B1) // _Q
    sig = _UNI_TUPLE(_U64, 10)(_U64, _U64, _U64, _U64)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        i512, i256, i64 = ir.IntType(512), ir.IntType(256), ir.IntType(64)

        def const(x: int) -> Any:
            return ir.Constant(i512, x % (1 << 512))

        k = builder.zext(_join(builder, list(args)), i512)
        half = const(1 << 255)
        shift = const(256)
        c1 = builder.lshr(builder.add(builder.mul(k, const(g1)), half), shift)
        c2 = builder.lshr(builder.add(builder.mul(k, const(g2)), half), shift)
        h1 = builder.sub(
            builder.sub(k, builder.mul(c1, const(glv.A1))), builder.mul(c2, const(glv.A2))
        )
        h2 = builder.sub(builder.mul(c1, const(-glv.B1)), builder.mul(c2, const(glv.B2)))
        out = []
        for h in (h1, h2):
            negative = builder.icmp_signed("<", h, const(0))
            mag = builder.trunc(builder.select(negative, builder.neg(h), h), i256)
            out.extend(_split(builder, mag))
            out.append(builder.zext(negative, i64))
        return context.make_tuple(builder, signature.return_type, out)

    return sig, codegen


glv_split4: Any = intrinsic(_glv_typer)
"""``(|k1| words, k1 < 0, |k2| words, k2 < 0)`` with ``k1 + k2 λ = k (mod r)`` and
``|k1|, |k2| < 2**129`` for a 4-word scalar ``k < r`` (GLV, Barrett-rounded lattice
coefficients: within one of :func:`zkp.fast.glv.decompose`'s, still a valid split)."""
