using System.Net;
using System.Net.Sockets;
using DnsClient;

namespace OPSource.Web5.Handshake;

/// <summary>
/// Addresses of a Handshake name from hsd's recursive resolver (<c>Web5:Handshake:RecursiveResolver</c>), and HTTP
/// connections to them: the resolver follows the name's delegation on the Handshake root (its NS/GLUE/SYNTH records) to
/// the name's own name server and returns its A/AAAA records, which the system's DNS cannot do (Handshake TLDs are not in
/// the ICANN root). <see cref="CreateHandler"/> gives an HTTP handler that connects to those addresses while the request
/// keeps the name as its host: the Host header and the TLS server name (SNI) are the name, and the certificate is
/// checked against it as for any host.
/// </summary>
public sealed class HnsHostResolver
{
    private readonly IPEndPoint _resolver;
    private readonly TimeSpan _timeout;

    /// <summary>Creates the resolver over hsd's recursive DNS server.</summary>
    public HnsHostResolver(IPEndPoint recursiveResolver, TimeSpan timeout)
    {
        _resolver = recursiveResolver ?? throw new ArgumentNullException(nameof(recursiveResolver));
        _timeout = timeout;
    }

    /// <summary>
    /// Whether a did:web host is a Handshake name: one label (a top-level name) that is a valid Handshake name. A host on
    /// the ICANN DNS that did:web can reach has at least one dot; <c>localhost</c> is never sent to a DNS server (RFC 6761 6.3).
    /// </summary>
    public static bool IsHandshakeHost(string host) =>
        !string.IsNullOrEmpty(host) && !host.Contains('.', StringComparison.Ordinal) && !host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        && HnsName.TryNormalize(host, out var name, out _) && name == host.ToLowerInvariant();

    /// <summary>
    /// The IPv4 then IPv6 addresses of <paramref name="name"/> (A, then AAAA, following CNAMEs as the resolver returns
    /// them); throws <see cref="Web5Exception"/> (<see cref="Web5ErrorKind.NotFound"/>) when there are none, or
    /// (<see cref="Web5ErrorKind.Unavailable"/>) when the resolver does not answer.
    /// </summary>
    public async Task<IReadOnlyList<IPAddress>> ResolveAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        var client = LookupClientFor(_resolver, recursion: true, _timeout);
        var addresses = new List<IPAddress>();
        string? error = null;
        foreach (var type in new[] { QueryType.A, QueryType.AAAA })
        {
            try
            {
                var response = await client.QueryAsync(name + ".", type, QueryClass.IN, cancellationToken).ConfigureAwait(false);
                addresses.AddRange(response.Answers.ARecords().Select(a => a.Address));
                addresses.AddRange(response.Answers.AaaaRecords().Select(a => a.Address));
                error ??= response.HasError ? response.ErrorMessage : null;
            }
            catch (DnsResponseException e)
            {
                throw new Web5Exception(Web5ErrorKind.Unavailable, $"hns: hsd's recursive resolver {_resolver} did not answer for '{name}': {e.Message}", e);
            }
        }

        return addresses.Count > 0
            ? addresses
            : throw new Web5Exception(Web5ErrorKind.NotFound, $"hns: '{name}' has no A or AAAA record at hsd's recursive resolver {_resolver}" + (error is null ? string.Empty : $" ({error})"));
    }

    /// <summary>
    /// A DNS client asking only <paramref name="server"/> (one of hsd's resolvers): no cache, so every answer is the
    /// node's current one; one retry; TCP when the UDP answer is truncated; DNS errors returned in the response, not thrown.
    /// </summary>
    internal static LookupClient LookupClientFor(IPEndPoint server, bool recursion, TimeSpan timeout) =>
        new(new LookupClientOptions(new NameServer(server))
        {
            UseCache = false,
            Recursion = recursion,
            Retries = 1,
            Timeout = timeout,
            ThrowDnsErrors = false,
            UseTcpFallback = true,
            ContinueOnDnsError = false,
            ContinueOnEmptyResponse = false,
        });

    /// <summary>
    /// An HTTP handler whose connections go to the addresses hsd resolves for the request's host (tried in order), on the
    /// request's port; everything else (Host header, TLS with the host as server name and certificate name) is the
    /// standard handler's. A host without addresses fails the request (<see cref="HttpRequestException"/>).
    /// </summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            IReadOnlyList<IPAddress> addresses;
            try
            {
                addresses = await ResolveAsync(context.DnsEndPoint.Host, cancellationToken).ConfigureAwait(false);
            }
            catch (Web5Exception e)
            {
                throw new HttpRequestException(e.Message, e);
            }

            SocketException? last = null;
            foreach (var address in addresses)
            {
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch (SocketException e)
                {
                    socket.Dispose();
                    last = e;
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            }

            throw new HttpRequestException($"hns: no address of '{context.DnsEndPoint.Host}' ({string.Join(", ", addresses)}) accepts connections on port {context.DnsEndPoint.Port}", last);
        },
    };
}
