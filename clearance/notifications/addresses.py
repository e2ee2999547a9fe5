"""Where a callback may point: https to public addresses, or what the allowlist names (SSRF)."""

import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from clearance.messages import Message
from clearance.notifications.errors import UnsafeCallback

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
DEFAULT_PORTS = {"https": 443, "http": 80}
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# One message for a name that does not resolve and one that resolves somewhere private, so the
# answer tells nobody which internal names exist.
NOT_PUBLIC = Message("field.url_not_public")


@dataclass(frozen=True)
class Target:
    """A callback URL with the addresses it resolved to when checked: delivery connects there."""

    url: httpx.URL
    host: str
    addresses: tuple[IPAddress, ...]


def check(url: str, *, allowlist: Sequence[str]) -> Target:
    """Parse, resolve and judge a callback URL; raises `UnsafeCallback` naming `url`."""
    parsed = _parse(url)
    host = parsed.raw_host.decode("ascii").lower()
    addresses = _resolve(host, parsed.port or DEFAULT_PORTS[parsed.scheme])
    hosts, networks = _split(allowlist)
    by_host = host in hosts
    listed = [a for a in addresses if any(a in n for n in networks)]
    if parsed.scheme != "https" and not (by_host or len(listed) == len(addresses)):
        raise UnsafeCallback(Message("field.url_https"))
    if not by_host and any(not is_public(a) and a not in listed for a in addresses):
        raise UnsafeCallback(NOT_PUBLIC)
    return Target(url=parsed, host=host, addresses=addresses)


def is_public(address: IPAddress) -> bool:
    """Whether an address is on the public internet: no loopback, private, link-local, ..."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return is_public(embedded)
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
    )


def _parse(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        raise UnsafeCallback(Message("field.url_invalid")) from None
    if parsed.scheme not in DEFAULT_PORTS or not parsed.raw_host:
        raise UnsafeCallback(Message("field.url_absolute"))
    if parsed.userinfo:
        raise UnsafeCallback(Message("field.url_credentials"))
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise UnsafeCallback(Message("field.url_port"))
    return parsed


def _resolve(host: str, port: int) -> tuple[IPAddress, ...]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UnsafeCallback(NOT_PUBLIC) from None
    # An IPv6 link-local answer carries its zone ("fe80::1%eth0"): the address is before it.
    addresses = {ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found}
    if not addresses:
        raise UnsafeCallback(NOT_PUBLIC)
    return tuple(sorted(addresses, key=lambda a: (a.version, int(a))))


def _split(allowlist: Sequence[str]) -> tuple[frozenset[str], list[IPNetwork]]:
    hosts: set[str] = set()
    networks: list[IPNetwork] = []
    for entry in allowlist:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            hosts.add(entry.lower())
    return frozenset(hosts), networks


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside a mapped, 6to4 or NAT64 IPv6 one, which is where it goes."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None
