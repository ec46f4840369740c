"""Which addresses a webhook may reach: the SSRF guard.

A tenant names the URL, so without this a job could make our workers POST to the cloud
metadata service, the database, or anything else on the private network. The host is
resolved (socket.getaddrinfo) and refused if ANY of its addresses is private, loopback,
link-local (169.254.169.254, the metadata service, is one), multicast, reserved,
unspecified, shared CGNAT space (100.64.0.0/10) or such an address written as IPv6
(IPv4-mapped, 6to4, NAT64, ...). The delivery then connects to the address checked here
(workers.webhooks.pinned_transport), so a DNS answer changed in between cannot swap it.
WEBHOOK_ALLOW_PRIVATE (local development only) lifts the check.
"""

from __future__ import annotations

import ipaddress
import socket

from core.errors import ComponentForgeError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_METADATA = ipaddress.ip_address("169.254.169.254")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class AddressRefused(ComponentForgeError):
    """The webhook's host resolves to an address a delivery may not reach."""

    error_type = "webhook_address_refused"


def why_forbidden(address: IPAddress) -> str | None:
    """What kind of address this is when a webhook may not reach it; None when public."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            # Judged by the IPv4 address it reaches (a NAT64 network's DNS64 answers
            # public IPv4-only hosts as 64:ff9b::a.b.c.d).
            reason = why_forbidden(embedded)
            return f"{reason} (written as IPv6)" if reason else None
    if address == _METADATA:
        return "the cloud metadata address"
    if isinstance(address, ipaddress.IPv4Address) and address in _CGNAT:
        return "shared address space (CGNAT, 100.64.0.0/10)"
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("not globally routable", not address.is_global),
    )
    for name, hit in checks:
        if hit:
            return name
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for: IPv4-mapped (::ffff:a.b.c.d), 6to4
    (2002::/16), NAT64 (64:ff9b::/96) or IPv4-compatible (::a.b.c.d, deprecated)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if int(address) >> 32 == 0 and int(address) > 1:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (an IP literal resolves to itself). Raises
    socket.gaierror when the name does not resolve (now: it may, later)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


def vetted_addresses(host: str, port: int, *, allow_private: bool) -> list[IPAddress]:
    """The addresses to connect to for `host`, in the resolver's order: refused
    (AddressRefused) when any of them is one a webhook may not reach, unless
    `allow_private`."""
    addresses = resolve(host, port)
    if not addresses:
        raise socket.gaierror(f"{host} resolved to no address")
    if not allow_private:
        for address in addresses:
            reason = why_forbidden(address)
            if reason is not None:
                raise AddressRefused(
                    f"{host} resolves to {address}, {reason}: webhooks may only reach "
                    "public addresses (WEBHOOK_ALLOW_PRIVATE is for local development)"
                )
    return addresses
