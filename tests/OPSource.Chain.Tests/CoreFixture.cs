using System.Security.Cryptography;
using System.Text;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Chain.Rpc;
using OPSource.TestSupport.Peers;

namespace OPSource.Chain.Tests;

/// <summary>
/// One private regtest node per test class (cookie auth plus an <c>-rpcauth</c> user), a Core wallet <c>core</c> with
/// mature coins, and an OPSource client on the cookie file.
/// </summary>
public sealed class CoreFixture : IAsyncLifetime
{
    public const string RpcUser = "opsource";
    public const string RpcPassword = "correct horse battery staple";

    public CoreFixture()
    {
        _node = new BitcoinCoreNode("-rpcauth=" + RpcAuth(RpcUser, RpcPassword));
    }

    private readonly BitcoinCoreNode _node;

    /// <summary>The node; skips the test (locally) when no bitcoind was found.</summary>
    public BitcoinCoreNode Node
    {
        get
        {
            if (_client is null)
            {
                BitcoinCoreNode.RequireBitcoind();
            }

            return _node;
        }
    }

    /// <summary>The client; skips the test (locally) when no bitcoind was found.</summary>
    public BitcoinRpcClient Client
    {
        get
        {
            if (_client is null)
            {
                BitcoinCoreNode.RequireBitcoind();
            }

            return _client!;
        }
    }

    /// <summary>An address of Core's wallet <c>core</c>.</summary>
    public Address MiningAddress { get; private set; } = null!;

    public static BitcoinRpcClient CreateClient(BitcoinCoreNode node, RpcCredentials? credentials = null) =>
        new(new BitcoinRpcClientOptions(node.RpcUrl, credentials ?? RpcCredentials.FromCookieFile(node.CookieFile))
        {
            RequestTimeout = TimeSpan.FromSeconds(60),
        });

    private BitcoinRpcClient? _client;

    public async ValueTask InitializeAsync()
    {
        // A skip thrown from a class fixture would fail every test: the tests skip through Client instead.
        if (BitcoinCoreNode.LocateBitcoind() is null && !OPSource.TestSupport.Vectors.IsCi)
        {
            return;
        }

        await _node.StartAsync();
        _client = CreateClient(_node);
        await _node.CreateWalletAsync("core");
        MiningAddress = Address.Parse((string)(await _node.WalletRpc("core", "getnewaddress"))!, Network.Regtest);
        await _client.GenerateToAddressAsync(101, MiningAddress, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        await _node.DisposeAsync();
    }

    /// <summary>Core's share/rpcauth/rpcauth.py: <c>user:salt$HMAC-SHA256(key=salt, password)</c>.</summary>
    private static string RpcAuth(string user, string password)
    {
        var salt = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var hmac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(salt), Encoding.UTF8.GetBytes(password));
        return $"{user}:{salt}${Convert.ToHexStringLower(hmac)}";
    }
}
