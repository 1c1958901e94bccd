"""IP network functions: cidrhost, cidrnetmask, cidrsubnet, cidrsubnets.

The arithmetic is done on integers rather than with ipaddress networks
because Terraform's (go-cidr's) results are defined by bit operations on
big integers: a prefix need not be aligned ("10.0.0.5/24" means 10.0.0.0/24),
negative host numbers count back from the end, and a few odd inputs produce
odd but stable answers that configurations may already depend on.
ipaddress is used only to parse IPv6 text and to print addresses.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from decimal import Decimal

from govctl.lang import values as V
from govctl.lang.functions.base import CallContext, Param, function
from govctl.lang.functions.encoding import arg_error, call_error
from govctl.lang.types import NUMBER, STRING, ListType
from govctl.lang.values import Value

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_UINT64_MASK = 2**64 - 1


@dataclass(frozen=True)
class _Net:
    addr: int  # the network address (host bits cleared)
    prefix: int
    bits: int  # 32 or 128

    def mask(self, prefix: int | None = None) -> int:
        p = self.prefix if prefix is None else prefix
        return ((1 << p) - 1) << (self.bits - p)

    def text(self, addr: int, prefix: int | None = None) -> str:
        # Go prints an address from the absolute value of the big integer,
        # keeping only as many bytes as the address has.
        addr = abs(addr) & ((1 << self.bits) - 1)
        ip = ipaddress.IPv4Address(addr) if self.bits == 32 else ipaddress.IPv6Address(addr)
        return str(ip) if prefix is None else f"{ip}/{prefix}"


def _parse_ipv4(text: str) -> int | None:
    """Dotted quad; leading zeros are decimal, as in Go before 1.17 (Terraform's ipaddr)."""
    parts = text.split(".")
    if len(parts) != 4 or not all(p.isascii() and p.isdigit() for p in parts):
        return None
    octets = [int(p) for p in parts]
    if any(o > 255 for o in octets):
        return None
    return int.from_bytes(bytes(octets), "big")


def _parse_cidr(text: str) -> _Net:
    """ParseCIDR; ValueError carries Terraform's message."""
    bad = ValueError(f"invalid CIDR expression: invalid CIDR address: {text}")
    addr_text, slash, prefix_text = text.partition("/")
    if not slash or not prefix_text.isascii() or not prefix_text.isdigit():
        raise bad
    # Go decides the family from whichever of "." or ":" comes first.
    first = next((c for c in addr_text if c in ".:"), "")
    addr: int | None
    if first == ":":
        bits = 128
        try:
            addr = None if "%" in addr_text else int(ipaddress.IPv6Address(addr_text))
        except ValueError:
            addr = None
    else:
        bits = 32
        addr = _parse_ipv4(addr_text)
    prefix = int(prefix_text)
    if addr is None or prefix > bits:
        raise bad
    net = _Net(0, prefix, bits)
    return _Net(addr & net.mask(), prefix, bits)


def _whole(val: Value) -> int | None:
    n = val.v
    if isinstance(n, Decimal):
        return None
    return int(n)


def _int_arg(val: Value) -> int:
    """gocty's conversion to a Go int: whole and within 64 bits."""
    n = _whole(val)
    if n is None or not _INT64_MIN <= n <= _INT64_MAX:
        raise ValueError(f"value must be a whole number, between {_INT64_MIN} and "
                         f"{_INT64_MAX}")
    return n


def _cidr(text: str, arg: int | None = None) -> _Net:
    try:
        return _parse_cidr(text)
    except ValueError as exc:
        if arg is None:
            raise call_error(str(exc)) from None
        raise arg_error("prefix", arg, str(exc)) from None


@function("cidrhost", params=[Param("prefix", STRING), Param("hostnum", NUMBER)],
          returns=STRING)
def _cidrhost(args: list[Value], ctx: CallContext) -> Value:
    """Negative host numbers count back from the last address (-1 is the broadcast)."""
    num = _whole(args[1])
    if num is None:
        raise call_error("value must be a whole number")
    net = _cidr(args[0].v)
    max_host = (1 << (net.bits - net.prefix)) - 1
    check = num
    if num < 0:
        check = -num - 1
        num = max_host - check
    if check > max_host:
        raise call_error(f"prefix of {net.prefix} does not accommodate a host numbered {num}")
    return V.string(net.text(net.addr | num))


@function("cidrnetmask", params=[Param("prefix", STRING)], returns=STRING)
def _cidrnetmask(args: list[Value], ctx: CallContext) -> Value:
    net = _cidr(args[0].v)
    if net.bits != 32:
        raise call_error(f"IPv6 addresses cannot have a netmask: {args[0].v}")
    return V.string(net.text(net.mask()))


@function("cidrsubnet", params=[Param("prefix", STRING), Param("newbits", NUMBER),
                                Param("netnum", NUMBER)], returns=STRING)
def _cidrsubnet(args: list[Value], ctx: CallContext) -> Value:
    try:
        newbits = _int_arg(args[1])
    except ValueError as exc:
        raise call_error(str(exc)) from None
    netnum = _whole(args[2])
    if netnum is None:
        raise call_error("value must be a whole number")
    net = _cidr(args[0].v)
    new_prefix = net.prefix + newbits
    if new_prefix > net.bits:
        raise call_error(f"insufficient address space to extend prefix of {net.prefix} by "
                         f"{newbits}")
    if new_prefix < 0:
        raise call_error(f"cannot extend prefix of {net.prefix} by {newbits}")
    # go-cidr compares the low 64 bits of |netnum| against a uint64 limit that
    # wraps to "no limit" when newbits is 64 or more (or negative).
    limit = (1 << newbits) - 1 if 0 <= newbits < 64 else _UINT64_MASK
    if abs(netnum) & _UINT64_MASK > limit:
        raise call_error(f"prefix extension of {newbits} does not accommodate a subnet "
                         f"numbered {netnum}")
    return V.string(net.text(net.addr | (netnum << (net.bits - new_prefix)), new_prefix))


@function("cidrsubnets", params=[Param("prefix", STRING)], variadic=Param("newbits", NUMBER),
          returns=ListType(STRING))
def _cidrsubnets(args: list[Value], ctx: CallContext) -> Value:
    """Consecutive, non-overlapping subnets, each aligned to its own size."""
    net = _cidr(args[0].v, arg=0)
    if len(args) == 1:
        return V.list_([], STRING)
    lengths = []
    for i, arg in enumerate(args[1:], start=1):
        try:
            lengths.append(_int_arg(arg))
        except ValueError as exc:
            raise arg_error("newbits", i, str(exc)) from None
    family = {32: "IPv4", 128: "IPv6"}[net.bits]
    all_ones = (1 << net.bits) - 1
    # Start just before the network so that the first "next subnet" is its start.
    first = net.prefix + lengths[0]
    cur_addr, cur_len = 0, 0  # an invalid first length fails below before this is used
    if 0 <= first <= net.bits:
        cur_addr, cur_len = (net.addr - 1) & all_ones & net.mask(first), first
    out = []
    for i, extra in enumerate(lengths, start=1):
        if extra < 1:
            raise arg_error("newbits", i, "must extend prefix by at least one bit")
        if extra > 32:
            raise arg_error("newbits", i, "may not extend prefix by more than 32 bits")
        length = net.prefix + extra
        if length > net.bits:
            raise arg_error("newbits", i, f"would extend prefix to {length} bits, which is "
                            f"too long for an {family} address")
        last = cur_addr | (all_ones >> cur_len)
        start = last & net.mask(length)
        after = ((start | (all_ones >> length)) + 1) & all_ones
        if after == 0 or after & net.mask() != net.addr:
            raise arg_error("newbits", i, "not enough remaining address space for a subnet "
                            f"with a prefix of {length} bits after "
                            f"{net.text(cur_addr, cur_len)}")
        cur_addr, cur_len = after, length
        out.append(V.string(net.text(cur_addr, cur_len)))
    return V.list_(out, STRING)

