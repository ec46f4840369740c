"""The SSRF guard: every range a webhook may not reach, in each way it can be written,
and the rule that one bad address among a host's answers refuses the host."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest

from workers.webhooks import address_guard
from workers.webhooks.address_guard import AddressRefused, vetted_addresses, why_forbidden

FORBIDDEN = {
    # IPv4
    "10.0.0.1": "private",
    "172.16.0.1": "private",
    "172.31.255.254": "private",
    "192.168.1.1": "private",
    "127.0.0.1": "loopback",
    "127.255.255.254": "loopback",
    "169.254.1.1": "link-local",
    "169.254.169.254": "metadata",
    "224.0.0.1": "multicast",
    "239.255.255.250": "multicast",
    "240.0.0.1": "reserved",
    "255.255.255.255": "broadcast",
    "0.0.0.0": "unspecified",
    "0.1.2.3": "this network",
    "100.64.0.1": "CGNAT",
    "100.127.255.254": "CGNAT",
    "192.0.2.1": "documentation",
    "198.18.0.1": "benchmarking",
    # IPv6
    "::1": "loopback",
    "::": "unspecified",
    "fe80::1": "link-local",
    "fc00::1": "unique local",
    "fd12:3456::1": "unique local",
    "ff02::1": "multicast",
    "2001:db8::1": "documentation",
    # IPv4 written as IPv6
    "::ffff:127.0.0.1": "IPv4-mapped loopback",
    "::ffff:10.0.0.1": "IPv4-mapped private",
    "::ffff:169.254.169.254": "IPv4-mapped metadata",
    "::ffff:100.64.0.1": "IPv4-mapped CGNAT",
    "::10.0.0.1": "IPv4-compatible private",
    "2002:7f00:1::": "6to4 of 127.0.0.1",
    "2002:a00:1::": "6to4 of 10.0.0.1",
    "64:ff9b::a9fe:a9fe": "NAT64 of the metadata address",
    "64:ff9b::7f00:1": "NAT64 of 127.0.0.1",
}
PUBLIC = ["8.8.8.8", "1.1.1.1", "100.128.0.1", "2606:4700:4700::1111", "64:ff9b::808:808"]


@pytest.mark.parametrize("address", sorted(FORBIDDEN))
def test_every_forbidden_range_is_refused(address: str) -> None:
    assert why_forbidden(ipaddress.ip_address(address)) is not None, FORBIDDEN[address]


def test_the_metadata_address_and_cgnat_are_named() -> None:
    assert "metadata" in (why_forbidden(ipaddress.ip_address("169.254.169.254")) or "")
    assert "CGNAT" in (why_forbidden(ipaddress.ip_address("100.64.0.1")) or "")
    assert "IPv6" in (why_forbidden(ipaddress.ip_address("::ffff:127.0.0.1")) or "")


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert why_forbidden(ipaddress.ip_address(address)) is None


def _resolving_to(monkeypatch: pytest.MonkeyPatch, *addresses: str) -> None:
    def getaddrinfo(host: str, port: int, **_: Any) -> list[Any]:
        infos = []
        for address in addresses:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sockaddr = (address, port, 0, 0) if ":" in address else (address, port)
            infos.append((family, socket.SOCK_STREAM, 6, "", sockaddr))
        return infos

    monkeypatch.setattr(address_guard.socket, "getaddrinfo", getaddrinfo)


def test_one_private_answer_among_public_ones_refuses_the_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _resolving_to(monkeypatch, "93.184.216.34", "10.0.0.1")
    with pytest.raises(AddressRefused, match=r"10\.0\.0\.1"):
        vetted_addresses("hooks.example.com", 443, allow_private=False)


def test_a_public_host_gives_the_addresses_to_connect_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _resolving_to(monkeypatch, "93.184.216.34", "2606:2800:220:1::1", "93.184.216.34")
    chosen = vetted_addresses("hooks.example.com", 443, allow_private=False)
    assert chosen == [
        ipaddress.ip_address("93.184.216.34"),
        ipaddress.ip_address("2606:2800:220:1::1"),
    ]


def test_the_development_setting_allows_private_addresses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _resolving_to(monkeypatch, "127.0.0.1")
    assert vetted_addresses("localhost", 80, allow_private=True) == [
        ipaddress.ip_address("127.0.0.1")
    ]


def test_a_scoped_ipv6_answer_is_judged_without_its_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    _resolving_to(monkeypatch, "fe80::1%eth0")
    with pytest.raises(AddressRefused, match="link-local"):
        vetted_addresses("printer.local", 80, allow_private=False)


def test_ip_literals_are_checked_too() -> None:
    with pytest.raises(AddressRefused):
        vetted_addresses("127.0.0.1", 80, allow_private=False)
    with pytest.raises(AddressRefused):
        vetted_addresses("::1", 80, allow_private=False)
