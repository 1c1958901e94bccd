"""CIDR built-ins; expected values (and errors) were checked against `terraform console` 1.11."""

from __future__ import annotations

from decimal import Decimal

import pytest

from govctl.lang import values as V
from govctl.lang.types import STRING, ListType
from govctl.lang.values import SENSITIVE
from tests.lang.fn import call, fails


@pytest.mark.parametrize(("prefix", "hostnum", "expected"), [
    ("10.0.0.0/24", 5, "10.0.0.5"),
    ("10.0.0.0/24", -1, "10.0.0.255"),
    ("10.0.0.0/24", -256, "10.0.0.0"),
    ("10.0.0.5/24", 2, "10.0.0.2"),            # host bits of the prefix are ignored
    ("010.0.0.0/8", 1, "10.0.0.1"),            # leading zeros are decimal
    ("fd00::/64", 5, "fd00::5"),
    ("fd00::/64", -1, "fd00::ffff:ffff:ffff:ffff"),
    ("2001:db8::/32", 65536, "2001:db8::1:0"),
    ("::/0", 2**70, "0:0:0:40::"),
])
def test_cidrhost(prefix: str, hostnum: int, expected: str) -> None:
    result = call("cidrhost", prefix, hostnum)
    assert result == V.string(expected) and result.type is STRING


@pytest.mark.parametrize(("prefix", "hostnum", "message"), [
    ("10.0.0.0/24", 300, "prefix of 24 does not accommodate a host numbered 300."),
    ("10.0.0.0/24", -257, "prefix of 24 does not accommodate a host numbered -1."),
    ("10.0.0.0/24", -300, "prefix of 24 does not accommodate a host numbered -44."),
    ("10.0.0.0", 1, "invalid CIDR expression: invalid CIDR address: 10.0.0.0."),
    ("10.0.0.0/33", 1, "invalid CIDR expression: invalid CIDR address: 10.0.0.0/33."),
    ("fe80::1%eth0/64", 1, "invalid CIDR expression: invalid CIDR address: fe80::1%eth0/64."),
    ("10.0.0.0/24", Decimal("1.5"), "value must be a whole number."),
])
def test_cidrhost_errors(prefix: str, hostnum: object, message: str) -> None:
    err = fails("cidrhost", prefix, hostnum, match=message)
    assert err.message == message and err.arg is None


def test_cidrnetmask() -> None:
    assert call("cidrnetmask", "10.0.0.0/12") == V.string("255.240.0.0")
    assert call("cidrnetmask", "1.2.3.4/32") == V.string("255.255.255.255")
    fails("cidrnetmask", "fd00::/64", match="IPv6 addresses cannot have a netmask: fd00::/64.")
    fails("cidrnetmask", "x", match="invalid CIDR expression: invalid CIDR address: x.")


@pytest.mark.parametrize(("prefix", "newbits", "netnum", "expected"), [
    ("10.0.0.0/16", 8, 2, "10.0.2.0/24"),
    ("10.1.2.3/16", 8, 3, "10.1.3.0/24"),
    ("fd00::/56", 8, 255, "fd00:0:0:ff::/64"),
    ("fd00::/16", 40, 1, "fd00:0:0:100::/56"),
    ("fd00::/16", 70, 1, "fd00::400:0:0/86"),
    ("10.0.0.0/16", 0, 0, "10.0.0.0/16"),
    ("10.0.0.0/16", 8, -1, "0.0.1.0/24"),      # go-cidr's big-integer arithmetic, as is
])
def test_cidrsubnet(prefix: str, newbits: int, netnum: int, expected: str) -> None:
    assert call("cidrsubnet", prefix, newbits, netnum) == V.string(expected)


@pytest.mark.parametrize(("args", "message"), [
    (["10.0.0.0/16", 8, 256], "prefix extension of 8 does not accommodate a subnet numbered "
                              "256."),
    (["10.0.0.0/30", 3, 0], "insufficient address space to extend prefix of 30 by 3."),
    (["10.0.0.0/16", Decimal("1.5"), 0], "value must be a whole number, between "
                                         "-9223372036854775808 and 9223372036854775807."),
    (["x", 8, 0], "invalid CIDR expression: invalid CIDR address: x."),
])
def test_cidrsubnet_errors(args: list[object], message: str) -> None:
    fails("cidrsubnet", *args, match=message)


@pytest.mark.parametrize(("prefix", "newbits", "expected"), [
    ("10.0.0.0/8", [8, 4, 8], ["10.0.0.0/16", "10.16.0.0/12", "10.32.0.0/16"]),
    ("10.0.0.0/16", [4, 4, 8, 4], ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/24",
                                   "10.0.48.0/20"]),
    ("fd00::/56", [8, 16], ["fd00::/64", "fd00:0:0:1::/72"]),
    ("10.0.0.0/8", [], []),
])
def test_cidrsubnets(prefix: str, newbits: list[int], expected: list[str]) -> None:
    result = call("cidrsubnets", prefix, *newbits)
    assert result.type == ListType(STRING)
    assert result.to_python() == expected


@pytest.mark.parametrize(("prefix", "newbits", "index", "message"), [
    ("10.0.0.0/24", [1, 1, 1], 3, "not enough remaining address space for a subnet with a "
                                  "prefix of 25 bits after 10.0.0.128/25."),
    ("0.0.0.0/0", [1, 1, 1], 1, "not enough remaining address space for a subnet with a "
                                "prefix of 1 bits after 128.0.0.0/1."),
    ("10.0.0.0/8", [4, 0], 2, "must extend prefix by at least one bit."),
    ("10.0.0.0/8", [33], 1, "may not extend prefix by more than 32 bits."),
    ("10.0.0.0/30", [3], 1, "would extend prefix to 33 bits, which is too long for an IPv4 "
                            "address."),
])
def test_cidrsubnets_errors(prefix: str, newbits: list[int], index: int, message: str) -> None:
    err = fails("cidrsubnets", prefix, *newbits,
                match=f'Invalid value for "newbits" parameter: {message}')
    assert err.arg == index
    err = fails("cidrsubnets", "x", 1, match='Invalid value for "prefix" parameter: invalid CIDR')
    assert err.arg == 0


@pytest.mark.parametrize(("name", "args"), [
    ("cidrhost", ["10.0.0.0/8", 1]), ("cidrnetmask", ["10.0.0.0/8"]),
    ("cidrsubnet", ["10.0.0.0/8", 8, 1]), ("cidrsubnets", ["10.0.0.0/8", 8, 8]),
])
def test_sensitive_in_sensitive_out_and_unknown_in_unknown_out(name: str,
                                                               args: list[object]) -> None:
    plain = [V.from_python(a) for a in args]
    for i, arg in enumerate(plain):
        secret = [*plain[:i], arg.mark({SENSITIVE}), *plain[i + 1:]]
        assert call(name, *secret).sensitive
        unknown = [*plain[:i], V.unknown(arg.type), *plain[i + 1:]]
        result = call(name, *unknown)
        assert result.unknown and result.type == call(name, *plain).type
