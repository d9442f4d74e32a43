"""The app listens on this machine only, unless its operator serves a class (README's third command)."""

import socket
import sys

import pytest

from tests.browser_support import streamlit_server

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/net")


def listening(port: int) -> set[str]:
    """The local addresses with a socket listening on ``port`` (from /proc/net/tcp and tcp6)."""
    out = set()
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            host, hex_port = local.split(":")
            if state != "0A" or int(hex_port, 16) != port:  # 0A = LISTEN
                continue
            raw = bytes.fromhex(host)
            # /proc stores each 32-bit word in host byte order (little endian here)
            raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
            out.add(socket.inet_ntop(family, raw))
    return out


def test_the_default_config_listens_on_localhost_only():
    with streamlit_server(address=None) as server:
        assert listening(server.port) == {"127.0.0.1"}


def test_the_serve_a_class_command_listens_on_the_network():
    with streamlit_server(address=None, options={"server.address": "0.0.0.0"}) as server:
        assert listening(server.port) == {"0.0.0.0"}
