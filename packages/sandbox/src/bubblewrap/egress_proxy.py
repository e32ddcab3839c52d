"""The network allow-list of a sandbox: an HTTP proxy (CONNECT for TLS, absolute-form requests for plain HTTP)
listening on the sandbox's own loopback, connecting out from the host's network namespace, and only to the
hosts an operator listed. Started by supervisor.py; runs as the session's uid, in the sandbox's cgroups.

Why a proxy and not firewall rules: an allow-list names hosts, and a host's addresses change (CDNs, DNS
round-robin), so rules computed from addresses at start go stale or over-allow whole shared ranges. The proxy
decides on the name the client asked for, resolves it itself, and connects to exactly the address it checked.
A sandbox in this mode has no other way out: its network namespace has only a loopback interface.
"""
import asyncio
import ipaddress
import socket

MAX_HEAD = 16 * 1024
CONNECT_TIMEOUT = 15


def host_allowed(host, allowed):
    """True when `host` is listed: exactly, or under a `*.domain` / `.domain` entry."""
    host = host.lower().rstrip('.')
    for entry in allowed:
        entry = entry.lower().rstrip('.')
        if entry.startswith('*.') or entry.startswith('.'):
            suffix = entry[entry.index('.'):]
            if host.endswith(suffix) and len(host) > len(suffix):
                return True
        elif host == entry:
            return True
    return False


def is_ip_literal(host):
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def internal(address):
    ip = ipaddress.ip_address(address)
    return ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_unspecified or ip.is_multicast \
        or ip.is_reserved


async def resolve(host, port):
    """The address to connect to, or None. A listed name that resolves to a loopback, private or link-local
    address is refused (the host's services, the LAN, cloud metadata): only an IP literal listed as such may
    be internal, since the operator then named that very address."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [info[4][0] for info in infos]
    if not addresses:
        return None
    if not is_ip_literal(host) and any(internal(a) for a in addresses):
        return None
    return addresses[0]


def split_host_port(authority, default_port):
    if authority.startswith('['):
        host, _, rest = authority[1:].partition(']')
        port = rest[1:] if rest.startswith(':') else ''
    else:
        host, _, port = authority.rpartition(':') if authority.count(':') == 1 else (authority, '', '')
        if not host:
            host, port = authority, ''
    return host, int(port) if port else default_port


async def pipe(reader, writer):
    try:
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                break
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.close()
        except Exception:  # noqa: BLE001 - already closed
            pass


def refusal(status, reason):
    body = f'agent-ops sandbox: {reason}\n'.encode()
    return (f'HTTP/1.1 {status}\r\ncontent-type: text/plain\r\ncontent-length: {len(body)}\r\n'
            'connection: close\r\n\r\n').encode() + body


async def handle(client_reader, client_writer, allowed, log):
    try:
        await proxy(client_reader, client_writer, allowed, log)
    except Exception as error:  # noqa: BLE001 - one bad request must never stop the proxy
        log(f'egress error: {error!r}')
        client_writer.close()


async def proxy(client_reader, client_writer, allowed, log):
    try:
        head = await client_reader.readuntil(b'\r\n\r\n')
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        client_writer.close()
        return
    request_line, _, rest = head.partition(b'\r\n')
    try:
        method, target, version = request_line.decode('latin-1').split(' ')
    except ValueError:
        client_writer.write(refusal('400 Bad Request', 'malformed request'))
        client_writer.close()
        return
    if method == 'CONNECT':
        host, port = split_host_port(target, 443)
        path = None
    elif target.startswith('http://'):
        authority, slash, path = target[len('http://'):].partition('/')
        host, port = split_host_port(authority, 80)
        path = slash + path if slash else '/'
    else:
        client_writer.write(refusal('400 Bad Request', 'only proxy requests are served here'))
        client_writer.close()
        return
    if not host_allowed(host, allowed):
        log(f'egress refused: {host}:{port} is not in the allow-list')
        client_writer.write(refusal('403 Forbidden', f'{host} is not in the network allow-list'))
        client_writer.close()
        return
    try:
        address = await resolve(host, port)
        if address is None:
            raise OSError(f'{host} resolves to an internal address')
        upstream_reader, upstream_writer = await asyncio.wait_for(
            asyncio.open_connection(address, port), CONNECT_TIMEOUT)
    except (OSError, asyncio.TimeoutError) as error:
        log(f'egress failed: {host}:{port}: {error}')
        client_writer.write(refusal('502 Bad Gateway', f'cannot reach {host}:{port}: {error}'))
        client_writer.close()
        return
    if path is None:
        client_writer.write(b'HTTP/1.1 200 Connection Established\r\n\r\n')
    else:
        upstream_writer.write(f'{method} {path} {version}\r\n'.encode('latin-1') + rest)
    await asyncio.gather(pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer))


def serve(listener, allowed, log):
    """Serves on an already bound and listening socket (made inside the sandbox's network namespace)."""
    async def main():
        server = await asyncio.start_server(
            lambda r, w: handle(r, w, allowed, log), sock=listener, limit=MAX_HEAD)
        async with server:
            await server.serve_forever()
    asyncio.run(main())
