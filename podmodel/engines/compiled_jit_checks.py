"""The compiled engine's step checks over a chunk of transitions in one loop compiled by
numba: imported only when the search has loaded numba's loops already
(`podmodel.engines.compiled_jit`, past `podmodel.engines.visited.JIT_FROM` states; cached on
disk), or when a test forces it (`podmodel.engines.compiled.CHECKS_JIT`).  Nothing here knows
the model or the properties: the inputs are the per-class arrays of
`podmodel.engines.compiled._Checks` and `_Values` (speed only: the NumPy path there is the
reference, and decides every transition this loop cannot).

* `steps`: per transition, the attention byte of its class (table edge, or resolved edge);
  for each open step property, the value of the class (1, 0, or keyed by counts and codes:
  then the byte of the class's own dense block at the slot of the transition's counts and
  codes).  It returns the transitions it could not decide, and the first violation of each
  property among those it decided, in search order.
"""

from __future__ import annotations

import numba
import numpy as np

#: `podmodel.engines.compiled`'s value bytes (`_UNSEEN` is any other negative value).
_KEYED = -1
#: The position of a byte's only bit.
_LOW = np.zeros(129, np.int64)
for _j in range(8):
    _LOW[1 << _j] = _j


@numba.njit(cache=True, nogil=True)
def _value(k, r, l, val, off, rb, lb, buf, pr, pl, sl):
    """Class ``k``'s value on one element (counts ``r``, codes ``l``): 1, 0, or -1 when
    unknown here (not evaluated, keyed without a dense block, or a slot not filled)."""
    if k >= val.size:
        return -1
    v = val[k]
    if v == 1 or v == 0:
        return v
    if v != _KEYED or k >= off.size or off[k] < 0:
        return -1
    b = buf[off[k] + pr[rb[k], r] * sl[lb[k]] + pl[lb[k], l]]
    if b == 1 or b == 0:
        return b
    return -1


@numba.njit(cache=True, nogil=True)
def steps(e, rid, r, l, attn_e, attn_r, odd_e, odd_r, open_, val_e, val_r,
          off_e, rb_e, lb_e, buf_e, off_r, rb_r, lb_r, buf_r, pr, pl, sl, unknown, first):
    """One pass over a chunk's transitions: table edge ``e[i]``, or resolved edge ``rid[i]``
    where ``rid`` is not empty and ``rid[i] >= 0``, counts ``r[i]``, codes ``l[i]``.

    Per kind of class (``_e``: table edges, ``_r``: resolved edges): ``attn`` its attention
    byte (0: every open property plainly holds there; 1: the class is new, or ``odd``, its
    row of bits of the properties it does not plainly satisfy, has an open one); per step
    property ``j`` (tuples, one array per property): ``val[j]`` its value per class, and its
    dense blocks per class in its own container order (``off``/``rb``/``lb``/``buf``, empty
    when it has none), read at `_Digits.slot`'s number (tables ``pr``, ``pl``, ``sl``).
    ``open_``: the open properties, bit ``j & 7`` of byte ``j >> 3`` (as ``odd``'s rows).

    Writes the positions it cannot decide to ``unknown`` (returns how many) and, per property,
    the first position it decided to violate it to ``first[j]`` (-1 when none; positions
    after a violation found are not looked at for that property)."""
    n_unknown = 0
    has_rid = rid.size > 0
    W = open_.size
    for i in range(e.size):
        res = has_rid and rid[i] >= 0
        k = rid[i] if res else e[i]
        if (attn_r[k] if res else attn_e[k]) == 0:
            continue
        unsure = True   # a class with attention but no open odd property is new
        for w in range(W):
            bits = np.int64((odd_r[k, w] if res else odd_e[k, w]) & open_[w])
            if bits:
                unsure = False
                break
        if not unsure:
            for w in range(W):
                bits = np.int64((odd_r[k, w] if res else odd_e[k, w]) & open_[w])
                while bits:
                    b = bits & -bits
                    bits ^= b
                    j = w * 8 + _LOW[b]
                    if first[j] >= 0:
                        continue
                    if res:
                        v = _value(k, r[i], l[i], val_r[j], off_r[j], rb_r[j], lb_r[j], buf_r[j], pr, pl, sl)
                    else:
                        v = _value(k, r[i], l[i], val_e[j], off_e[j], rb_e[j], lb_e[j], buf_e[j], pr, pl, sl)
                    if v == 0:
                        first[j] = i
                    elif v != 1:
                        unsure = True
        if unsure:
            unknown[n_unknown] = i
            n_unknown += 1
    return n_unknown
