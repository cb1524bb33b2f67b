using System.Text;

namespace OPSource.Chain.Rpc;

/// <summary>
/// How the client authenticates to Core's RPC server (HTTP Basic). <see cref="ToString"/> never shows a secret.
/// </summary>
public abstract class RpcCredentials
{
    private protected RpcCredentials()
    {
    }

    /// <summary>
    /// Cookie-file authentication: Core writes <c>__cookie__:RANDOM</c> to <c>DATADIR/[chain/].cookie</c> at every start.
    /// The file is read when first needed and again after a 401 (the node restarted with a new cookie).
    /// </summary>
    public static RpcCredentials FromCookieFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return new CookieFileCredentials(Path.GetFullPath(path));
    }

    /// <summary>User/password authentication (<c>-rpcuser</c>/<c>-rpcpassword</c> or <c>-rpcauth</c>).</summary>
    public static RpcCredentials FromUserPassword(string user, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        ArgumentNullException.ThrowIfNull(password);
        if (user.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("rpc credentials: the user name must not contain ':'", nameof(user));
        }

        return new UserPasswordCredentials(user, password);
    }

    /// <summary>A description without secrets (<c>cookie file /x/.cookie</c>, <c>user alice</c>).</summary>
    public abstract override string ToString();

    /// <summary>
    /// The <c>Authorization</c> header value (<c>Basic base64(user:password)</c>); <paramref name="refresh"/> re-reads a cookie file.
    /// </summary>
    internal abstract ValueTask<string> GetHeaderValueAsync(bool refresh, CancellationToken cancellationToken);

    private protected static string Encode(ReadOnlySpan<char> userColonPassword)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(userColonPassword)];
        try
        {
            Encoding.UTF8.GetBytes(userColonPassword, bytes);
            return "Basic " + Convert.ToBase64String(bytes);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private sealed class CookieFileCredentials(string path) : RpcCredentials
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private string? _header;

        public override string ToString() => $"cookie file {path}";

        internal override async ValueTask<string> GetHeaderValueAsync(bool refresh, CancellationToken cancellationToken)
        {
            var cached = Volatile.Read(ref _header);
            if (cached is not null && !refresh)
            {
                return cached;
            }

            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_header is not null && !refresh && !ReferenceEquals(_header, cached))
                {
                    return _header;
                }

                char[] content;
                try
                {
                    content = (await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).ToCharArray();
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // The message names the file, never its content.
                    throw new BitcoinRpcAuthenticationException("auth", 401, $"rpc: cannot read the cookie file {path}: {ex.Message}");
                }

                try
                {
                    var span = content.AsSpan().Trim();
                    if (span.IndexOf(':') <= 0)
                    {
                        throw new BitcoinRpcAuthenticationException("auth", 401, $"rpc: the cookie file {path} does not hold 'user:password'");
                    }

                    _header = Encode(span);
                    return _header;
                }
                finally
                {
                    Array.Clear(content);
                }
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    private sealed class UserPasswordCredentials : RpcCredentials
    {
        private readonly string _user;
        private readonly string _header;

        public UserPasswordCredentials(string user, string password)
        {
            _user = user;
            var buffer = new char[user.Length + 1 + password.Length];
            try
            {
                user.CopyTo(buffer);
                buffer[user.Length] = ':';
                password.CopyTo(0, buffer, user.Length + 1, password.Length);
                _header = Encode(buffer);
            }
            finally
            {
                Array.Clear(buffer);
            }
        }

        public override string ToString() => $"user {_user}";

        internal override ValueTask<string> GetHeaderValueAsync(bool refresh, CancellationToken cancellationToken) => ValueTask.FromResult(_header);
    }
}
