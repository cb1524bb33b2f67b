using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Bitcoin;
using OPSource.Chain.Rpc;
using OPSource.ML.Hardware;
using OPSource.Platform.Errors;
using OPSource.Platform.Install;
using OPSource.Platform.Modules;
using OPSource.Server.Install;
using OPSource.TestSupport;
using OPSource.TestSupport.Peers;

namespace OPSource.Server.Tests;

/// <summary>The installer's node step: tuning rules, rpcauth, and a generated bitcoin.conf run by a real bitcoind.</summary>
public sealed class NodeInstallTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("opsource-nodeinstall-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static HardwareProfile Machine(int logical, int physical, long memory, long disk) =>
        new("Linux", "x64", "test cpu", logical, physical, new SimdSupport(true, true, true, true, false, false, false, false), memory, memory / 2, disk, [], OnnxRuntimeSupport.None);

    [Fact]
    public void Small_vm_gets_a_small_cache_and_a_pruned_mainnet_node()
    {
        var t = BitcoinConf.Tune(Machine(2, 2, (long)(3.8 * (1L << 30)), 30L << 30), CoreNetwork.For("mainnet"));
        Assert.Equal((950, 150, 4, 1, (int?)15360), (t.DbCacheMiB, t.MaxMempoolMB, t.RpcThreads, t.Par, t.PruneMiB));
    }

    [Fact]
    public void Big_server_gets_the_capped_values_and_no_pruning()
    {
        var t = BitcoinConf.Tune(Machine(128, 64, 512L << 30, 4000L << 30), CoreNetwork.For("mainnet"));
        Assert.Equal((8192, 300, 16, 15, (int?)null), (t.DbCacheMiB, t.MaxMempoolMB, t.RpcThreads, t.Par, t.PruneMiB));
    }

    [Fact]
    public void Rpcauth_matches_bitcoin_cores_rpcauth_py()
    {
        // python: hmac.new(salt_hex.encode(), b"correct horse", "SHA256").hexdigest() with salt bytes 00..0f
        var salt = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();
        Assert.Equal(
            "alice:000102030405060708090a0b0c0d0e0f$13e80cc333c7168b99135ae9838365d1561e253c6b9b2a1e21f811433d7a9c1f",
            BitcoinConf.RpcAuth("alice", "correct horse", salt));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private NodeInstallStep Step(string network) =>
        new(new PlatformContext(Network.Get(network), _dir), new OpsourceOptions { Network = network, DataDir = _dir }, SystemHardwareSource.Instance);

    private InstallContext Context(string network) =>
        new(new PlatformContext(Network.Get(network), _dir), new ConfigurationBuilder().Build(), new ServiceCollection().BuildServiceProvider(), databaseReady: true, dryRun: false);

    /// <summary>
    /// Generates a regtest bitcoin.conf, starts a real bitcoind on it, then connects with the generated
    /// credentials (the step's own live check), and refuses a node of another network.
    /// </summary>
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Generated_conf_runs_a_real_node_and_connect_checks_it()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            Assert.Skip("POSIX file modes");
        }

        var bitcoind = BitcoinCoreNode.LocateBitcoind();
        if (bitcoind is null)
        {
            if (Vectors.IsCi)
            {
                throw new InvalidOperationException("bitcoind not found (CI=true: node tests are mandatory)");
            }

            Assert.Skip("bitcoind not found: set BITCOIND or run scripts/test.sh");
        }

        var nodeDir = Path.Combine(_dir, "bitcoin");
        var (rpcPort, p2pPort, zmqPort) = (FreePort(), FreePort(), FreePort());
        using var answers = new InstallAnswerStore();
        answers.Set("node.mode", "generate");
        answers.Set("node.bitcoin_datadir", nodeDir);
        answers.Set("node.rpc_port", rpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        answers.Set("node.p2p_port", p2pPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        answers.Set("node.zmq_port", zmqPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var step = Step("regtest");
        var result = await step.ApplyAsync(Context("regtest"), answers.For("node"), Ct);
        var conf = File.ReadAllText(Path.Combine(nodeDir, "bitcoin.conf"));
        Assert.StartsWith(BitcoinConf.Marker, conf, StringComparison.Ordinal);
        Assert.Contains("regtest=1", conf, StringComparison.Ordinal);
        Assert.Contains("[regtest]\nrpcbind=127.0.0.1\nrpcallowip=127.0.0.1\n", conf.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Matches("rpcauth=opsource:[0-9a-f]{32}\\$[0-9a-f]{64}", conf);
        var cookie = result.Settings["Node:CookieFile"]!;
        var credentials = File.ReadAllText(cookie);
        Assert.StartsWith("opsource:", credentials, StringComparison.Ordinal);
        Assert.DoesNotContain(credentials[9..], conf, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cookie));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(nodeDir, "bitcoin.conf")));
        Assert.Equal($"http://127.0.0.1:{rpcPort}/", result.Settings["Node:RpcUrl"]);

        var start = new ProcessStartInfo(bitcoind) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-datadir=" + nodeDir);
        start.ArgumentList.Add("-listen=0");
        start.ArgumentList.Add("-printtoconsole=0");
        using var process = Process.Start(start)!;
        try
        {
            // Poll until the RPC answers with the generated credentials.
            using var client = new BitcoinRpcClient(new BitcoinRpcClientOptions(new Uri(result.Settings["Node:RpcUrl"]!), RpcCredentials.FromCookieFile(cookie)) { MaxRetries = 0, RequestTimeout = TimeSpan.FromSeconds(5) });
            BlockchainInfo? info = null;
            for (var i = 0; i < 300 && info is null && !process.HasExited; i++)
            {
                try
                {
                    info = await client.GetBlockchainInfoAsync(Ct);
                }
                catch (Exception ex) when (ex is HttpRequestException or BitcoinRpcException or IOException or TaskCanceledException)
                {
                    await Task.Delay(100, Ct);
                }
            }

            Assert.True(info is not null, "bitcoind did not answer on the generated configuration: " + (process.HasExited ? await process.StandardError.ReadToEndAsync(Ct) : "still starting"));
            Assert.Equal("regtest", info.Chain);

            // The connect path: the live check passes on regtest...
            using var connect = new InstallAnswerStore();
            connect.Set("node.mode", "connect");
            connect.Set("node.rpc_url", result.Settings["Node:RpcUrl"]!);
            connect.Set("node.auth", "cookie");
            connect.Set("node.cookie_file", cookie);
            var connected = await step.ApplyAsync(Context("regtest"), connect.For("node"), Ct);
            Assert.Contains(connected.Done, d => d.Contains("answers on regtest", StringComparison.Ordinal));
            Assert.Equal(cookie, connected.Settings["Node:CookieFile"]);

            // ...and refuses a node of another network.
            var wrong = await Assert.ThrowsAsync<OpsourceException>(() => Step("testnet4").ApplyAsync(Context("testnet4"), connect.For("node"), Ct));
            Assert.Equal("wrong_network", wrong.Error.Code);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }

        // Nothing listens once it is gone: the connect check reports the node unreachable.
        using var gone = new InstallAnswerStore();
        gone.Set("node.mode", "connect");
        gone.Set("node.rpc_url", $"http://127.0.0.1:{rpcPort}/");
        gone.Set("node.auth", "cookie");
        gone.Set("node.cookie_file", cookie);
        var unreachable = await Assert.ThrowsAsync<OpsourceException>(() => step.ApplyAsync(Context("regtest"), gone.For("node"), Ct));
        Assert.Equal("node_unreachable", unreachable.Error.Code);
    }
}
